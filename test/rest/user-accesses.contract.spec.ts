import type { Actor } from '../helpers/fixtures';
import { type GrantRow, shape, userAccessHelpers } from '../helpers/user-accesses';
import { expectErrorBody, expectShape, USER_ACCESS } from './contract-shapes';
import { describeRoute } from './describe-route';
import { useContractWorld } from './contract-app';

const { app, world } = useContractWorld();
const helpers = userAccessHelpers(app, world);

const grantsPath = (userId: number) => `/api/v1/users/${userId}/user_accesses`;
const grant = (companyId: number, key: 'admin' | 'manager' | 'member' | 'super_admin', primary?: boolean) => ({
  company_id: companyId,
  access_id: world.accessIds[key],
  ...(primary === undefined ? {} : { primary }),
});

/** The legacy JSON a grant row must be presented as. */
const legacyOf = (userId: number, row: GrantRow) => ({
  id: row.id,
  user_id: userId,
  company_id: row.companyId,
  access_id: world.accessIds[row.access],
  access_name: expect.any(String),
  primary: row.primary,
});

/** A 2xx `{user_accesses}` body: the contract's shape, one primary, and exactly the user's rows. */
async function expectGrantList(body: any, userId: number): Promise<void> {
  expect(Object.keys(body)).toEqual(['user_accesses']);
  body.user_accesses.forEach((item: unknown) => expectShape(item, USER_ACCESS));
  expect(body.user_accesses.filter((item: any) => item.primary)).toHaveLength(1);
  const rows = await helpers.rowsOf(userId);
  expect(body.user_accesses).toEqual(rows.map((row) => legacyOf(userId, row)));
}

/** A refused write answers `status` with `code` and leaves the user's grants as they were. */
async function expectRefused(
  userId: number,
  send: () => Promise<{ status: number; body: unknown }>,
  status: number,
  code: string,
): Promise<void> {
  const before = await helpers.rowsOf(userId);
  const answer = await send();
  expect(answer.status).toBe(status);
  expectErrorBody(answer.body, code);
  expect(await helpers.rowsOf(userId)).toEqual(before);
}

describeRoute('POST', '/users/:user_id/user_accesses', () => {
  const add = (userId: number, body: unknown, caller: Actor) =>
    app.request('POST', grantsPath(userId), { body, headers: world.headers(caller) });

  it('answers 201 {user_accesses} with all of the user’s grants, the new one primary when asked', async () => {
    const userId = await helpers.makeUser([[world.companies.acmeEast, 'member']]);
    const { status, body } = await add(
      userId,
      { user_accesses: [grant(world.companies.acmeEastLab, 'manager', true)], user_id: world.users.eastMember.id },
      'acmeAdmin',
    );
    expect(status).toBe(201);
    await expectGrantList(body, userId);
    expect(shape(await helpers.rowsOf(userId))).toEqual([
      { companyId: world.companies.acmeEast, access: 'member', primary: false },
      { companyId: world.companies.acmeEastLab, access: 'manager', primary: true },
    ]);
    expect(body.user_accesses.map((item: any) => item.access_name)).toEqual(['Member', 'Manager']);
    expect(await helpers.rowsOf(world.users.eastMember.id)).toHaveLength(1);
  });

  it('answers 409 for a company the user is already in, 403, 404 and 401 for callers who may not', async () => {
    const userId = await helpers.makeUser([[world.companies.acmeEast, 'member']]);
    const body = { user_accesses: [grant(world.companies.acmeEastLab, 'member')] };
    const again = { user_accesses: [grant(world.companies.acmeEast, 'manager')] };
    await expectRefused(userId, () => add(userId, again, 'acmeAdmin'), 409, 'CONFLICT');
    await expectRefused(userId, () => add(userId, body, 'eastManager'), 403, 'FORBIDDEN');
    await expectRefused(userId, () => add(userId, body, 'globexAdmin'), 404, 'NOT_FOUND');
    await expectRefused(userId, () => add(userId, body, 'anonymous'), 401, 'UNAUTHENTICATED');
  });

  it.each([
    ['an empty list', { user_accesses: [] }],
    ['no list', {}],
    ['a grant without access_id', { user_accesses: [{ company_id: 1 }] }],
    ['a primary that is not a boolean', { user_accesses: [{ company_id: 1, access_id: 1, primary: 'yes' }] }],
  ])('answers 400 for %s', async (_case, body) => {
    const userId = world.users.labMember.id;
    await expectRefused(userId, () => add(userId, body, 'acmeAdmin'), 400, 'BAD_USER_INPUT');
  });
});

describeRoute('GET', '/users/:user_id/user_accesses', () => {
  it('answers 200 {user_accesses} to a caller who sees the user, with a bare token too', async () => {
    const userId = world.users.labMember.id;
    for (const headers of [world.headers('eastMember'), world.headers('acmeAdmin', { bare: true })]) {
      const { status, body } = await app.request('GET', grantsPath(userId), { headers });
      expect(status).toBe(200);
      await expectGrantList(body, userId);
      expect(body.user_accesses[0]).toMatchObject({ company_id: world.companies.acmeEastLab, access_name: 'Member' });
    }
  });

  it('answers 404 for a user in another tree or none, 401 without a token, 400 for a malformed id', async () => {
    for (const [path, caller, expected, code] of [
      [grantsPath(world.users.westMember.id), 'acmeAdmin', 404, 'NOT_FOUND'],
      [grantsPath(999_999), 'superAdmin', 404, 'NOT_FOUND'],
      [grantsPath(world.users.labMember.id), 'anonymous', 401, 'UNAUTHENTICATED'],
      ['/api/v1/users/abc/user_accesses', 'acmeAdmin', 400, 'BAD_USER_INPUT'],
    ] as const) {
      const { status, body } = await app.request('GET', path, { headers: world.headers(caller) });
      expect(status).toBe(expected);
      expectErrorBody(body, code);
    }
  });
});

describeRoute('PUT', '/users/:user_id/user_accesses', () => {
  const set = (userId: number, body: unknown, caller: Actor) =>
    app.request('PUT', grantsPath(userId), { body, headers: world.headers(caller) });

  it('answers 200 {user_accesses} after replacing the whole set', async () => {
    const userId = await helpers.makeUser([
      [world.companies.acmeEast, 'member'],
      [world.companies.acmeEastLab, 'member'],
    ]);
    const body = { user_accesses: [grant(world.companies.acme, 'manager'), grant(world.companies.acmeEastLab, 'admin', true)] };
    const { status, body: answer } = await set(userId, body, 'acmeAdmin');
    expect(status).toBe(200);
    await expectGrantList(answer, userId);
    expect(shape(await helpers.rowsOf(userId)).sort((a, b) => a.companyId - b.companyId)).toEqual([
      { companyId: world.companies.acme, access: 'manager', primary: false },
      { companyId: world.companies.acmeEastLab, access: 'admin', primary: true },
    ]);
    await helpers.expectOnePrimaryPerUser();
  });

  it('answers 403, 404, 401, 400 and 409 without changing the set', async () => {
    const userId = await helpers.makeUser([[world.companies.acmeEast, 'member']]);
    const body = { user_accesses: [grant(world.companies.acmeEastLab, 'member')] };
    await expectRefused(userId, () => set(userId, body, 'eastManager'), 403, 'FORBIDDEN');
    await expectRefused(userId, () => set(userId, body, 'globexAdmin'), 404, 'NOT_FOUND');
    await expectRefused(userId, () => set(userId, body, 'anonymous'), 401, 'UNAUTHENTICATED');
    await expectRefused(userId, () => set(userId, { user_accesses: [] }, 'acmeAdmin'), 400, 'BAD_USER_INPUT');
    const twice = { user_accesses: [grant(world.companies.acme, 'member'), grant(world.companies.acme, 'manager')] };
    await expectRefused(userId, () => set(userId, twice, 'acmeAdmin'), 409, 'CONFLICT');
  });
});

describeRoute('DELETE', '/user_accesses/:id', () => {
  const remove = (id: number, caller: Actor) =>
    app.request('DELETE', `/api/v1/user_accesses/${id}`, { headers: world.headers(caller) });

  it('answers 200 {user_access} with the removed grant, and the row is gone', async () => {
    const userId = await helpers.makeUser([
      [world.companies.acmeEast, 'member'],
      [world.companies.acmeEastLab, 'manager'],
    ]);
    const [, lab] = await helpers.rowsOf(userId);
    const { status, body } = await remove(lab.id, 'acmeAdmin');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['user_access']);
    expectShape(body.user_access, USER_ACCESS);
    expect(body.user_access).toEqual({ ...legacyOf(userId, lab), access_name: 'Manager' });
    expect(shape(await helpers.rowsOf(userId))).toEqual([
      { companyId: world.companies.acmeEast, access: 'member', primary: true },
    ]);
  });

  it('answers 409 for the last access, 403, 404, 401 and 400, keeping the grant', async () => {
    const userId = await helpers.makeUser([[world.companies.acmeEast, 'member']]);
    const [only] = await helpers.rowsOf(userId);
    await expectRefused(userId, () => remove(only.id, 'acmeAdmin'), 409, 'CONFLICT');
    await expectRefused(userId, () => remove(only.id, 'eastManager'), 403, 'FORBIDDEN');
    await expectRefused(userId, () => remove(only.id, 'globexAdmin'), 404, 'NOT_FOUND');
    await expectRefused(userId, () => remove(only.id, 'anonymous'), 401, 'UNAUTHENTICATED');
    const malformed = await app.request('DELETE', '/api/v1/user_accesses/abc', { headers: world.headers('acmeAdmin') });
    expect(malformed.status).toBe(400);
    expectErrorBody(malformed.body, 'BAD_USER_INPUT');
  });
});
