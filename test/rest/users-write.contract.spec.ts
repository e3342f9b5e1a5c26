import { UserAccess } from '../../src/modules/access/user-access.entity';
import { PasswordResetToken } from '../../src/modules/password-reset/password-reset-token.entity';
import { User, UserStatus } from '../../src/modules/user/user.entity';
import { verifyPassword } from '../../src/modules/auth/passwords';
import { PASSWORD, type World } from '../helpers/fixtures';
import { mailsTo, tokenFromMail, waitForMails } from '../helpers/outbox';
import { addUser, findUser } from '../helpers/users';
import { expectErrorBody, expectShape, USER } from './contract-shapes';
import { describeRoute } from './describe-route';
import { useContractWorld } from './contract-app';

const NEW_PASSWORD = 'a brand new passphrase 42';

const { app, world } = useContractWorld();

const countUsers = () => app.orm.em.fork().count(User, {});
const grantsOf = async (userId: number) =>
  (await app.orm.em.fork().find(UserAccess, { user: userId }, { orderBy: { id: 'asc' } })).map((grant) => [
    grant.company.id,
    grant.access.id,
    grant.primary,
  ]);

describeRoute('POST', '/users', () => {
  let serial = 0;
  const newUser = (overrides: Record<string, unknown> = {}) => ({
    first_name: 'New',
    last_name: 'Person',
    email: `rest-new${++serial}@example.com`,
    company_id: world.companies.acmeEast,
    access_id: world.accessIds.member,
    ...overrides,
  });
  const create = (body: unknown, headers: Record<string, string>) => app.request('POST', '/api/v1/users', { body, headers });

  it('answers 201 {user}: a pending user without a password, mailed a link, unknown keys ignored', async () => {
    const body = newUser({ email: ' Rest.Pending@Example.com ', password_hash: 'x', id: 424242, role: 'super_admin' });
    const { status, body: answer } = await create(body, world.headers('acmeAdmin'));
    expect(status).toBe(201);
    expect(Object.keys(answer)).toEqual(['user']);
    expectShape(answer.user, USER);
    expect(answer.user).toMatchObject({
      email: 'rest.pending@example.com',
      status: 'pending',
      full_name: 'New Person',
      primary_access: { company_id: world.companies.acmeEast, access_id: world.accessIds.member, access_name: 'Member' },
      primary_company: { id: world.companies.acmeEast, name: 'Acme East' },
    });
    expect(answer.user.id).not.toBe(424242);
    expect(JSON.stringify(answer)).not.toMatch(/token|password/i);

    const row = (await findUser(app, { email: 'rest.pending@example.com' }))!;
    expect(row.id).toBe(answer.user.id);
    expect(row.passwordHash).toBeNull();
    expect(row.status).toBe(UserStatus.PENDING);
    expect(await grantsOf(row.id)).toEqual([[world.companies.acmeEast, world.accessIds.member, true]]);
    expect(await findUser(app, { id: 424242 })).toBeNull();
    expect(tokenFromMail((await mailsTo(app, 'rest.pending@example.com'))[0])).toEqual(expect.any(String));
  });

  it('maps password, status and access_id: an inactive admin with a usable password', async () => {
    const body = newUser({ password: NEW_PASSWORD, status: 'inactive', access_id: world.accessIds.admin });
    const { status, body: answer } = await create(body, world.headers('acmeAdmin', { bare: true }));
    expect(status).toBe(201);
    expect(answer.user).toMatchObject({ status: 'inactive', primary_access: { access_name: 'Admin' } });
    const row = (await findUser(app, { id: answer.user.id }))!;
    expect(row.status).toBe(UserStatus.INACTIVE);
    expect(await verifyPassword(row.passwordHash!, NEW_PASSWORD)).toBe(true);
    expect(await grantsOf(row.id)).toEqual([[world.companies.acmeEast, world.accessIds.admin, true]]);
  });

  it.each<[keyof World['users'] | 'anonymous', number, string]>([
    ['eastManager', 403, 'FORBIDDEN'],
    ['eastMember', 403, 'FORBIDDEN'],
    ['globexAdmin', 404, 'NOT_FOUND'],
    ['anonymous', 401, 'UNAUTHENTICATED'],
  ])('%s gets %s and creates nobody', async (viewer, expected, code) => {
    const body = newUser();
    const { status, body: answer } = await create(body, viewer === 'anonymous' ? {} : world.headers(viewer));
    expect(status).toBe(expected);
    expectErrorBody(answer, code);
    expect(await findUser(app, { email: body.email })).toBeNull();
  });

  it.each(["O'Brien+Tag@Example.IE", 'user@mail.example.xn--p1ai', 'a!b#c{d}@sub.example.travelersinsurance'])(
    'accepts %s and answers it lower-cased, as the Email schema of the document allows',
    async (email) => {
      const { status, body } = await create(newUser({ email }), world.headers('acmeAdmin'));
      expect(status).toBe(201);
      expect(body.user.email).toBe(email.toLowerCase());
    },
  );

  it.each(['"quoted"@example.com', 'user@bücher.de', 'user@localhost'])(
    'answers 400 for %s, outside the Email schema',
    async (email) => {
      const { status, body } = await create(newUser({ email }), world.headers('acmeAdmin'));
      expect(status).toBe(400);
      expect(body.error.details).toEqual([{ field: 'email', message: 'must be an email' }]);
    },
  );

  it('answers 409 for an email that is taken, whatever its case', async () => {
    const before = await countUsers();
    const { status, body } = await create(newUser({ email: 'EastMember@Example.COM' }), world.headers('acmeAdmin'));
    expect(status).toBe(409);
    expectErrorBody(body, 'CONFLICT');
    expect(await countUsers()).toBe(before);
  });

  it('answers 400 naming the missing fields, and for an invalid status', async () => {
    const before = await countUsers();
    const missing = await create({ email: 'half@example.com' }, world.headers('acmeAdmin'));
    expect(missing.status).toBe(400);
    expectErrorBody(missing.body, 'BAD_USER_INPUT');
    expect(missing.body.error.details.map((detail: any) => detail.field).sort()).toEqual([
      'access_id',
      'company_id',
      'first_name',
      'last_name',
    ]);
    const badStatus = await create(newUser({ status: 'deleted' }), world.headers('acmeAdmin'));
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error.details).toEqual([{ field: 'status', message: expect.any(String) }]);
    expect(await countUsers()).toBe(before);
  });
});

describeRoute('PUT', '/users/:id', () => {
  const update = (id: number, body: unknown, headers: Record<string, string>) =>
    app.request('PUT', `/api/v1/users/${id}`, { body, headers });

  it('answers 200 {user} to a user renaming itself', async () => {
    const id = world.users.eastMember.id;
    const { status, body } = await update(id, { first_name: ' Renamed ', last_name: 'Member' }, world.headers('eastMember'));
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['user']);
    expectShape(body.user, USER);
    expect(body.user).toMatchObject({ id, first_name: 'Renamed', last_name: 'Member', full_name: 'Renamed Member' });
    const row = (await findUser(app, { id }))!;
    expect([row.firstName, row.lastName]).toEqual(['Renamed', 'Member']);
  });

  it('ignores id and password_hash sent in the body', async () => {
    const id = world.users.eastMember.id;
    const other = world.users.labMember.id;
    const { status, body } = await update(
      id,
      { first_name: 'Still', id: other, password_hash: '$argon2id$forged', user_id: other },
      world.headers('eastMember'),
    );
    expect(status).toBe(200);
    expect(body.user).toMatchObject({ id, first_name: 'Still' });
    const row = (await findUser(app, { id }))!;
    expect(await verifyPassword(row.passwordHash!, PASSWORD)).toBe(true);
    expect((await findUser(app, { id: other }))!.firstName).toBe('LabMember');
  });

  it('lets an admin change the status, and answers 403 when the user itself sends one', async () => {
    const user = await addUser(app, [[world.companies.acmeEast, 'member']]);
    const selfToken = { authorization: `Bearer ${await tokenOf(user.email)}` };
    const refused = await update(user.id, { first_name: 'Sneaky', status: 'inactive' }, selfToken);
    expect(refused.status).toBe(403);
    expectErrorBody(refused.body, 'FORBIDDEN');
    const unchanged = (await findUser(app, { id: user.id }))!;
    expect([unchanged.firstName, unchanged.status]).toEqual(['Extra', UserStatus.ACTIVE]);

    const { status, body } = await update(user.id, { status: 'inactive' }, world.headers('acmeAdmin'));
    expect(status).toBe(200);
    expect(body.user).toMatchObject({ id: user.id, status: 'inactive' });
    expect((await findUser(app, { id: user.id }))!.status).toBe(UserStatus.INACTIVE);
  });

  it('answers 403 to a member changing someone else, 404 outside the tree, 401 without a token', async () => {
    const id = world.users.labMember.id;
    for (const [headers, expected, code] of [
      [world.headers('eastMember'), 403, 'FORBIDDEN'],
      [world.headers('eastManager'), 403, 'FORBIDDEN'],
      [world.headers('globexAdmin'), 404, 'NOT_FOUND'],
      [{}, 401, 'UNAUTHENTICATED'],
    ] as const) {
      const { status, body } = await update(id, { first_name: 'Hijacked' }, headers);
      expect(status).toBe(expected);
      expectErrorBody(body, code);
    }
    expect((await findUser(app, { id }))!.firstName).toBe('LabMember');
  });

  it('answers 409 for a taken email and 400 for an invalid one, changing nothing', async () => {
    const id = world.users.labMember.id;
    const taken = await update(id, { email: 'eastmanager@example.com' }, world.headers('acmeAdmin'));
    expect(taken.status).toBe(409);
    expectErrorBody(taken.body, 'CONFLICT');
    const invalid = await update(id, { email: 'not-an-email' }, world.headers('acmeAdmin'));
    expect(invalid.status).toBe(400);
    expectErrorBody(invalid.body, 'BAD_USER_INPUT');
    expect((await findUser(app, { id }))!.email).toBe('labmember@example.com');
  });
});

/** Signs in through the REST login route and returns the token. */
async function tokenOf(email: string): Promise<string> {
  const { body } = await app.request('POST', '/api/v1/users/login', { body: { email, password: PASSWORD } });
  return body.token;
}

describeRoute('POST', '/users/reset_password', () => {
  const reset = (body: unknown) => app.request('POST', '/api/v1/users/reset_password', { body });

  it('answers 202 {message}, identical for a known and an unknown email', async () => {
    const known = await reset({ email: 'labmember@example.com' });
    const unknown = await reset({ email: 'nobody-here@example.com' });
    expect([known.status, unknown.status]).toEqual([202, 202]);
    expect(Object.keys(known.body)).toEqual(['message']);
    expect(typeof known.body.message).toBe('string');
    expect(unknown.body).toEqual(known.body);
    await waitForMails(app.dataDir, 'labmember@example.com');
    expect(await mailsTo(app, 'nobody-here@example.com')).toEqual([]);
  });

  it('finishes with the mailed token: 200 {user}, then 400 for a second use', async () => {
    const user = await addUser(app, [[world.companies.acmeEastLab, 'member']]);
    expect((await reset({ email: user.email })).status).toBe(202);
    const token = tokenFromMail((await waitForMails(app.dataDir, user.email))[0]);

    const { status, body } = await reset({ token, password: NEW_PASSWORD });
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['user']);
    expectShape(body.user, USER);
    expect(body.user).toMatchObject({ id: user.id, email: user.email, status: 'active' });
    const row = (await findUser(app, { id: user.id }))!;
    expect(await verifyPassword(row.passwordHash!, NEW_PASSWORD)).toBe(true);
    expect((await app.orm.em.fork().find(PasswordResetToken, { user: user.id })).every((stored) => stored.usedAt)).toBe(true);

    const again = await reset({ token, password: 'yet another passphrase 9' });
    expect(again.status).toBe(400);
    expectErrorBody(again.body, 'BAD_USER_INPUT');
    expect(again.body.error.details).toEqual([{ field: 'token', message: expect.any(String) }]);
    expect(await verifyPassword((await findUser(app, { id: user.id }))!.passwordHash!, NEW_PASSWORD)).toBe(true);
  });

  it.each([
    ['both shapes', { email: 'labmember@example.com', token: 'abc', password: NEW_PASSWORD }],
    ['neither shape', {}],
    ['a token without a password', { token: 'abc' }],
    ['an unknown token', { token: 'abc', password: NEW_PASSWORD }],
    ['malformed JSON', '{"email": '],
  ])('answers 400 for %s', async (_case, body) => {
    const { status, body: answer } = await reset(body);
    expect(status).toBe(400);
    expectErrorBody(answer, 'BAD_USER_INPUT');
  });
});
