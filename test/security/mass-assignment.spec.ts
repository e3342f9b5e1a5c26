import { UserAccess } from '../../src/modules/access/user-access.entity';
import { sessionToken } from '../helpers/sessions';
import { Company } from '../../src/modules/company/company.entity';
import { Invitation } from '../../src/modules/invitation/invitation.entity';
import { User, UserStatus } from '../../src/modules/user/user.entity';
import type { World } from '../helpers/fixtures';
import { invitationHelpers } from '../helpers/invitations';
import { addUser } from '../helpers/users';
import { bearer, expectRestError } from './security-helpers';
import { useTestWorld } from '../helpers/setup';

/** Keys a client must never be able to set, sent along with legitimate fields (OWASP API3). */
const ATTACKER_HASH = '$argon2id$v=19$m=19456,t=2,p=1$YXR0YWNrZXI$YXR0YWNrZXJhdHRhY2tlcmF0dGFja2Vy';
const SMUGGLED = (world: World) => ({
  id: 424242,
  password_hash: ATTACKER_HASH,
  passwordHash: ATTACKER_HASH,
  company_id: world.companies.globex,
  credentials_changed_at: null,
  avatar_key: 'users/1/evil.png',
  onboarding_completed_at: '2000-01-01T00:00:00.000Z',
  role: 'super_admin',
  is_super_admin: true,
});

const { app, world } = useTestWorld();

const findUser = (where: object) => app.orm.em.fork().findOneOrFail(User, where, { populate: ['passwordHash'] });
const grantsOf = async (userId: number) =>
  (await app.orm.em.fork().find(UserAccess, { user: userId })).map((grant) => [grant.company.id, grant.access.id]);

describe('REST: unknown keys are ignored, never assigned', () => {
  it('PUT /users/:id by the user itself changes its name and nothing else', async () => {
    const user = await addUser(app, [[world.companies.acmeEast, 'member']]);
    const before = await findUser({ id: user.id });
    const result = await app.request('PUT', `/api/v1/users/${user.id}`, {
      body: { first_name: 'Renamed', ...SMUGGLED(world) },
      headers: bearer(await sessionToken(app, user.id)),
    });
    expect(result.status).toBe(200);
    const after = await findUser({ id: user.id });
    expect(after.firstName).toBe('Renamed');
    expect({ ...after, firstName: before.firstName, updatedAt: before.updatedAt }).toEqual(before);
    expect(await grantsOf(user.id)).toEqual([[world.companies.acmeEast, world.accessIds.member]]);
  });

  it('PUT /users/:id refuses a status change by the user itself (403), which only admins may make', async () => {
    const user = await addUser(app, [[world.companies.acmeEast, 'member']]);
    const token = await sessionToken(app, user.id);
    expectRestError(
      await app.request('PUT', `/api/v1/users/${user.id}`, { body: { status: 'inactive' }, headers: bearer(token) }),
      403,
      'FORBIDDEN',
    );
    const graphql = await app.graphql(
      'mutation($id: ID!) { updateUser(id: $id, input: { status: INACTIVE }) { id } }',
      { id: String(user.id) },
      token,
    );
    expect(graphql.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await findUser({ id: user.id })).status).toBe(UserStatus.ACTIVE);
  });

  it('POST /users creates the user the fields describe: its own id, no smuggled hash, one grant', async () => {
    const result = await app.request('POST', '/api/v1/users', {
      body: {
        ...SMUGGLED(world),
        first_name: 'New',
        last_name: 'Person',
        email: 'mass.new@example.com',
        company_id: world.companies.acmeEast,
        access_id: world.accessIds.member,
        access: 'super_admin',
      },
      headers: bearer(world.token('acmeAdmin')),
    });
    expect(result.status).toBe(201);
    const created = await findUser({ email: 'mass.new@example.com' });
    expect(created.id).not.toBe(424242);
    expect(created.passwordHash ?? null).toBeNull();
    expect(created).toMatchObject({ status: UserStatus.PENDING, avatarKey: null, onboardingCompletedAt: null });
    expect(await grantsOf(created.id)).toEqual([[world.companies.acmeEast, world.accessIds.member]]);
  });

  it('POST /companies and POST /invitations ignore ids, avatars, statuses, tokens and authors', async () => {
    const company = await app.request('POST', '/api/v1/companies', {
      body: { name: 'Mass Co', parent_company_id: world.companies.acme, ...SMUGGLED(world), id: 777777 },
      headers: bearer(world.token('acmeAdmin')),
    });
    expect(company.status).toBe(201);
    const stored = await app.orm.em.fork().findOneOrFail(Company, { name: 'Mass Co' });
    expect(stored.id).not.toBe(777777);
    expect(stored.avatarKey ?? null).toBeNull();
    expect(stored.parent?.id).toBe(world.companies.acme);

    const invitation = await app.request('POST', '/api/v1/invitations', {
      body: {
        email: 'mass.invitee@example.com',
        company_id: world.companies.acmeEast,
        access_id: world.accessIds.member,
        status: 'accepted',
        token_hash: 'a'.repeat(64),
        invited_by_id: world.users.superAdmin.id,
        expires_at: '2100-01-01T00:00:00.000Z',
      },
      headers: bearer(world.token('acmeAdmin')),
    });
    expect(invitation.status).toBe(201);
    const row = await app.orm.em
      .fork()
      .findOneOrFail(Invitation, { email: 'mass.invitee@example.com' }, { populate: ['tokenHash'] });
    expect(row.status).toBe('pending');
    expect(row.invitedBy?.id).toBe(world.users.acmeAdmin.id);
    expect(row.tokenHash).not.toBe('a'.repeat(64));
    expect(row.expiresAt.getTime()).toBeLessThan(Date.now() + 8 * 86_400_000);
  });

  it('POST /invitations/accept gives the invited company and access, active, whatever else is sent', async () => {
    const { token } = await invitationHelpers(app, world).invite('acmeAdmin', { email: 'mass.accept@example.com' });
    const result = await app.request('POST', '/api/v1/invitations/accept', {
      body: {
        token,
        first_name: 'Ma',
        last_name: 'Ss',
        password: 'a fine new passphrase 5',
        ...SMUGGLED(world),
        email: 'someone.else@example.com',
        status: 'inactive',
        access_id: world.accessIds.super_admin,
      },
    });
    expect(result.status).toBe(200);
    const created = await findUser({ email: 'mass.accept@example.com' });
    expect(created.status).toBe(UserStatus.ACTIVE);
    expect(created.passwordHash).not.toBe(ATTACKER_HASH);
    expect(await grantsOf(created.id)).toEqual([[world.companies.acmeEast, world.accessIds.member]]);
    expect(await app.orm.em.fork().count(User, { email: 'someone.else@example.com' })).toBe(0);
  });
});

describe('GraphQL: an input field the schema does not define is refused', () => {
  it.each([
    ['inline', 'mutation($id: ID!) { updateUser(id: $id, input: { firstName: "X", passwordHash: "h" }) { id } }', {}],
    [
      'in variables',
      'mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }',
      { input: { firstName: 'X', passwordHash: ATTACKER_HASH } },
    ],
    [
      'as an id',
      'mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }',
      { input: { firstName: 'X', id: '1' } },
    ],
  ])('updateUser with an unknown field %s: BAD_USER_INPUT, nothing written', async (_label, query, variables) => {
    const before = await findUser({ id: world.users.labMember.id });
    const { body } = await app.graphql(query, { id: String(world.users.labMember.id), ...variables }, world.token('acmeAdmin'));
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await findUser({ id: world.users.labMember.id })).toEqual(before);
  });

  it('createUser and acceptInvitation refuse a companyId/status/access they do not define', async () => {
    const create = await app.graphql(
      'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
      {
        input: {
          firstName: 'G',
          lastName: 'Q',
          email: 'mass.graphql@example.com',
          companyId: String(world.companies.acmeEast),
          accessId: String(world.accessIds.member),
          passwordHash: ATTACKER_HASH,
        },
      },
      world.token('acmeAdmin'),
    );
    expect(create.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const accept = await app.graphql('mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { token } }', {
      input: { token: 'x', firstName: 'A', lastName: 'B', password: 'a fine new passphrase 5', companyId: '1' },
    });
    expect(accept.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await app.orm.em.fork().count(User, { email: 'mass.graphql@example.com' })).toBe(0);
  });
});
