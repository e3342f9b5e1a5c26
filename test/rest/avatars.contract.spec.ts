import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MIB } from '../../src/shared/files/file-input';
import { companyAvatarKey, jpegBytes, pngBytes, storedFileCount, userAvatarKey } from '../helpers/uploads';
import { COMPANY, expectErrorBody, expectShape, USER } from './contract-shapes';
import { describeRoute } from './describe-route';
import { useContractWorld } from './contract-app';

/** The seed's own example of `PUT /api/v1/users/avatar`, verbatim: the request body and the 200 body. */
const SEED_REQUEST = JSON.parse(`{ "user_id": 0, "avatar_base64": "string", "name": "string", "type": "string" }`);
const SEED_200 = JSON.parse(`{ "user": { "id": 0, "first_name": "string", "last_name": "string",
  "email": "user@example.com", "status": "string", "full_name": "string",
  "avatar_route": "string",
  "primary_access": { "id": 0, "company_id": 0, "access_id": 0, "access_name": "string" },
  "primary_company": { "id": 0, "name": "string", "default": true, "parent_company_id": 0 } } }`);

/** Every key of the example is present with the JSON type of the example's value (integers for numbers). */
function typeProblems(actual: unknown, example: unknown, path = '$'): string[] {
  if (typeof example === 'object' && example !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return [`${path} is not an object`];
    return Object.entries(example).flatMap(([key, value]) =>
      key in actual
        ? typeProblems((actual as Record<string, unknown>)[key], value, `${path}.${key}`)
        : [`${path}.${key} is missing`],
    );
  }
  const sameType = typeof actual === typeof example && (typeof actual !== 'number' || Number.isInteger(actual));
  return sameType ? [] : [`${path} should be a ${typeof example}, got ${JSON.stringify(actual)}`];
}

const { app, world } = useContractWorld();

const filesRoot = () => join(app.dataDir, 'files');
const storedFiles = () => storedFileCount(app);
const userKey = (id: number) => userAvatarKey(app, id);
const companyKey = (id: number) => companyAvatarKey(app, id);
const userUpload = (userId: unknown, bytes: Buffer | string, extra: Record<string, unknown> = {}) => ({
  user_id: userId,
  avatar_base64: typeof bytes === 'string' ? bytes : bytes.toString('base64'),
  name: 'avatar.png',
  type: 'image/png',
  ...extra,
});
const putUserAvatar = (body: unknown, headers: Record<string, string> = {}) =>
  app.request('PUT', '/api/v1/users/avatar', { body, headers });
const putCompanyAvatar = (companyId: number, bytes: Buffer, headers: Record<string, string>) =>
  app.request('PUT', '/api/v1/companies/avatar', {
    body: { company_id: companyId, avatar_base64: bytes.toString('base64'), name: 'logo.jpg', type: 'image/jpeg' },
    headers,
  });

/** Checks a served avatar: the exact bytes, the detected type and `nosniff`. */
async function expectServed(route: string, bytes: Buffer, contentType: string): Promise<void> {
  const served = await fetch(`${app.url}${route}`);
  expect(served.status).toBe(200);
  expect(served.headers.get('content-type')).toBe(contentType);
  expect(served.headers.get('x-content-type-options')).toBe('nosniff');
  expect(Buffer.from(await served.arrayBuffer())).toEqual(bytes);
}

/** A refused request answers `status` with `code`, and the avatar and the stored files stay as they were. */
async function expectRefusedChange(
  send: () => Promise<{ status: number; body: unknown }>,
  status: number,
  code: string,
  key: () => Promise<string | null>,
): Promise<void> {
  const [before, files] = [await key(), storedFiles()];
  const { status: got, body } = await send();
  expect(got).toBe(status);
  expectErrorBody(body, code);
  expect(await key()).toBe(before);
  expect(storedFiles()).toBe(files);
}

describeRoute('PUT', '/users/avatar', () => {
  const labMember = () => world.users.labMember.id;
  const labKey = () => userKey(labMember());

  it('answers 200 with the keys and types of the seed’s own example, and a route that serves the image', async () => {
    const png = pngBytes(3, 2);
    const request = userUpload(labMember(), png, { name: 'me.png' });
    expect(Object.keys(request).sort()).toEqual(Object.keys(SEED_REQUEST).sort());
    // An admin of Acme sees the parent of the user's company, so every value has the example's type.
    const { status, body } = await putUserAvatar(request, world.headers('acmeAdmin'));
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['user']);
    expect(typeProblems(body, SEED_200)).toEqual([]);
    expectShape(body.user, USER);
    const key = await labKey();
    expect(key).toMatch(new RegExp(`^users/${labMember()}/[0-9a-f]{32}\\.png$`));
    expect(body.user).toMatchObject({
      id: labMember(),
      email: 'labmember@example.com',
      status: 'active',
      full_name: 'LabMember Tester',
      avatar_route: `/files/avatars/${key}`,
      primary_access: { company_id: world.companies.acmeEastLab, access_name: 'Member' },
      primary_company: { id: world.companies.acmeEastLab, default: false, parent_company_id: world.companies.acmeEast },
    });
    await expectServed(body.user.avatar_route, png, 'image/png');
  });

  it('answers 200 to the user itself, with a data: prefix and a bare token, replacing the previous file', async () => {
    const previous = (await labKey())!;
    const png = pngBytes(5, 5);
    const { status, body } = await putUserAvatar(
      userUpload(labMember(), `data:image/png;base64,${png.toString('base64')}`),
      world.headers('labMember', { bare: true }),
    );
    expect(status).toBe(200);
    expect(body.user.avatar_route).toBe(`/files/avatars/${await labKey()}`);
    expect(body.user.avatar_route).not.toBe(`/files/avatars/${previous}`);
    await expectServed(body.user.avatar_route, png, 'image/png');
    expect((await app.request('GET', `/files/avatars/${previous}`)).status).toBe(404);
  });

  it('stores the type the bytes say, not the claimed type or name', async () => {
    const jpeg = jpegBytes(2, 2);
    const { status, body } = await putUserAvatar(userUpload(labMember(), jpeg), world.headers('labMember'));
    expect(status).toBe(200);
    expect(body.user.avatar_route).toMatch(/\.jpg$/);
    await expectServed(body.user.avatar_route, jpeg, 'image/jpeg');
  });

  it('answers 401 without a token or with a bad one, in both header forms', async () => {
    const request = userUpload(labMember(), pngBytes());
    await expectRefusedChange(() => putUserAvatar(request), 401, 'UNAUTHENTICATED', labKey);
    await expectRefusedChange(() => putUserAvatar(request, { authorization: 'not.a.jwt' }), 401, 'UNAUTHENTICATED', labKey);
    await expectRefusedChange(
      () => putUserAvatar(request, { authorization: 'Bearer not.a.jwt' }),
      401,
      'UNAUTHENTICATED',
      labKey,
    );
  });

  it('answers 403 for a visible user the caller may not change, 404 for a user in another tree or none', async () => {
    const request = userUpload(labMember(), pngBytes());
    await expectRefusedChange(() => putUserAvatar(request, world.headers('eastMember')), 403, 'FORBIDDEN', labKey);
    await expectRefusedChange(() => putUserAvatar(request, world.headers('eastManager')), 403, 'FORBIDDEN', labKey);
    await expectRefusedChange(() => putUserAvatar(request, world.headers('globexAdmin')), 404, 'NOT_FOUND', labKey);
    const westKey = () => userKey(world.users.westMember.id);
    const west = userUpload(world.users.westMember.id, pngBytes());
    await expectRefusedChange(() => putUserAvatar(west, world.headers('acmeAdmin')), 404, 'NOT_FOUND', westKey);
    const missing = await putUserAvatar(userUpload(999_999, pngBytes()), world.headers('superAdmin'));
    expect(missing.status).toBe(404);
  });

  it.each([
    ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')],
    ['text', Buffer.from('just some text, not an image at all')],
  ])('answers 415 for %s bytes sent as image/png', async (_kind, bytes) => {
    await expectRefusedChange(
      () => putUserAvatar(userUpload(labMember(), bytes), world.headers('labMember')),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      labKey,
    );
  });

  it('accepts exactly 5 MiB decoded, answers 413 for one byte more and for a body over 7 MB', async () => {
    const padded = (size: number) => Buffer.concat([pngBytes(), Buffer.alloc(size - pngBytes().length, 1)]);
    const atLimit = await putUserAvatar(userUpload(labMember(), padded(5 * MIB)), world.headers('labMember'));
    expect(atLimit.status).toBe(200);
    const over = userUpload(labMember(), padded(5 * MIB + 1));
    await expectRefusedChange(() => putUserAvatar(over, world.headers('labMember')), 413, 'PAYLOAD_TOO_LARGE', labKey);
    const huge = userUpload(labMember(), 'A'.repeat(7.5 * 1024 * 1024));
    await expectRefusedChange(() => putUserAvatar(huge, world.headers('labMember')), 413, 'PAYLOAD_TOO_LARGE', labKey);
  });

  it('answers 400 for undecodable base64 and for a missing or malformed user_id', async () => {
    const undecodable = userUpload(labMember(), 'this is *not* base64!');
    await expectRefusedChange(() => putUserAvatar(undecodable, world.headers('labMember')), 400, 'BAD_USER_INPUT', labKey);
    for (const body of [
      { avatar_base64: pngBytes().toString('base64'), name: 'a.png', type: 'image/png' },
      userUpload('abc', pngBytes()),
      userUpload(labMember(), ''),
    ]) {
      const { status, body: answer } = await putUserAvatar(body, world.headers('labMember'));
      expect(status).toBe(400);
      expectErrorBody(answer, 'BAD_USER_INPUT');
    }
    const missing = await putUserAvatar({ avatar_base64: pngBytes().toString('base64') }, world.headers('labMember'));
    expect(missing.body.error.details).toEqual([{ field: 'user_id', message: expect.any(String) }]);
  });
});

describeRoute('DELETE', '/users/avatar', () => {
  const id = () => world.users.eastMember.id;
  const key = () => userKey(id());
  const upload = async () => {
    expect((await putUserAvatar(userUpload(id(), pngBytes()), world.headers('eastMember'))).status).toBe(200);
    return (await key())!;
  };

  it.each([
    ['the body', { body: true }],
    ['the query string', { body: false }],
  ])('answers 200 {user} with avatar_route null, user_id in %s', async (_where, { body: inBody }) => {
    const stored = await upload();
    const { status, body } = await app.request('DELETE', `/api/v1/users/avatar${inBody ? '' : `?user_id=${id()}`}`, {
      body: inBody ? { user_id: id() } : undefined,
      headers: world.headers('acmeAdmin'),
    });
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['user']);
    expectShape(body.user, USER);
    expect(body.user).toMatchObject({ id: id(), avatar_route: null });
    expect(await key()).toBeNull();
    expect(existsSync(join(filesRoot(), stored))).toBe(false);
  });

  it('answers 400 without user_id, 401 without a token, 403 and 404 for callers who may not, keeping the avatar', async () => {
    const stored = await upload();
    const remove = (headers: Record<string, string>, body?: unknown) =>
      app.request('DELETE', '/api/v1/users/avatar', { body, headers });
    await expectRefusedChange(() => remove(world.headers('eastMember'), {}), 400, 'BAD_USER_INPUT', key);
    expect((await remove(world.headers('eastMember'))).body.error.details).toEqual([
      { field: 'user_id', message: expect.any(String) },
    ]);
    await expectRefusedChange(() => remove({}, { user_id: id() }), 401, 'UNAUTHENTICATED', key);
    await expectRefusedChange(() => remove(world.headers('eastManager'), { user_id: id() }), 403, 'FORBIDDEN', key);
    await expectRefusedChange(() => remove(world.headers('globexAdmin'), { user_id: id() }), 404, 'NOT_FOUND', key);
    expect(await key()).toBe(stored);
  });
});

describeRoute('PUT', '/companies/avatar', () => {
  const lab = () => world.companies.acmeEastLab;
  const key = () => companyKey(lab());

  it('answers 200 {company} for an admin of it, with a route that serves the image', async () => {
    const jpeg = jpegBytes(4, 3);
    const { status, body } = await putCompanyAvatar(lab(), jpeg, world.headers('acmeAdmin', { bare: true }));
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['company']);
    expectShape(body.company, COMPANY);
    const stored = await key();
    expect(stored).toMatch(new RegExp(`^companies/${lab()}/[0-9a-f]{32}\\.jpg$`));
    expect(body.company).toMatchObject({ id: lab(), name: 'Acme East Lab', avatar_route: `/files/avatars/${stored}` });
    await expectServed(body.company.avatar_route, jpeg, 'image/jpeg');
  });

  it('answers 401, 403, 404, 415 and 400 without storing anything', async () => {
    const jpeg = jpegBytes();
    await expectRefusedChange(() => putCompanyAvatar(lab(), jpeg, {}), 401, 'UNAUTHENTICATED', key);
    await expectRefusedChange(() => putCompanyAvatar(lab(), jpeg, world.headers('eastManager')), 403, 'FORBIDDEN', key);
    await expectRefusedChange(() => putCompanyAvatar(lab(), jpeg, world.headers('globexAdmin')), 404, 'NOT_FOUND', key);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>');
    await expectRefusedChange(() => putCompanyAvatar(lab(), svg, world.headers('acmeAdmin')), 415, 'UNSUPPORTED_MEDIA_TYPE', key);
    const noCompany = () =>
      app.request('PUT', '/api/v1/companies/avatar', {
        body: { avatar_base64: jpeg.toString('base64'), name: 'a.jpg', type: 'image/jpeg' },
        headers: world.headers('acmeAdmin'),
      });
    await expectRefusedChange(noCompany, 400, 'BAD_USER_INPUT', key);
  });
});

describeRoute('DELETE', '/companies/avatar', () => {
  const east = () => world.companies.acmeEast;
  const key = () => companyKey(east());
  const remove = (headers: Record<string, string>, { body, query = '' }: { body?: unknown; query?: string } = {}) =>
    app.request('DELETE', `/api/v1/companies/avatar${query}`, { body, headers });
  const upload = async () => {
    expect((await putCompanyAvatar(east(), jpegBytes(), world.headers('acmeAdmin'))).status).toBe(200);
    return (await key())!;
  };

  it('answers 200 {company} with avatar_route null, company_id in the body or the query string', async () => {
    for (const where of [{ body: { company_id: east() } }, { query: `?company_id=${east()}` }]) {
      const stored = await upload();
      const { status, body } = await remove(world.headers('acmeAdmin'), where);
      expect(status).toBe(200);
      expect(Object.keys(body)).toEqual(['company']);
      expectShape(body.company, COMPANY);
      expect(body.company).toMatchObject({ id: east(), avatar_route: null });
      expect(await key()).toBeNull();
      expect(existsSync(join(filesRoot(), stored))).toBe(false);
    }
  });

  it('answers 400 without company_id, 401, 403 and 404, keeping the avatar', async () => {
    const stored = await upload();
    const body = { company_id: east() };
    await expectRefusedChange(() => remove(world.headers('acmeAdmin'), { body: {} }), 400, 'BAD_USER_INPUT', key);
    await expectRefusedChange(() => remove({}, { body }), 401, 'UNAUTHENTICATED', key);
    await expectRefusedChange(() => remove(world.headers('eastMember'), { body }), 403, 'FORBIDDEN', key);
    await expectRefusedChange(() => remove(world.headers('globexAdmin'), { body }), 404, 'NOT_FOUND', key);
    expect(await key()).toBe(stored);
  });
});
