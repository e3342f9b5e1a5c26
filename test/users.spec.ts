import { UserAccess } from '../src/modules/access/user-access.entity';
import { PasswordResetToken } from '../src/modules/password-reset/password-reset-token.entity';
import { Company } from '../src/modules/company/company.entity';
import { Membership } from '../src/modules/membership/membership.entity';
import { User } from '../src/modules/user/user.entity';
import { hashOneTimeToken } from '../src/modules/auth/one-time-token';
import { verifyPassword } from '../src/modules/auth/passwords';
import type { Actor } from './helpers/fixtures';
import { login } from './helpers/documents';
import { mailsTo, tokenFromMail } from './helpers/outbox';
import { useTestWorld } from './helpers/setup';
import { expectFieldError } from './helpers/expect';
import { findUser } from './helpers/users';

const CREATE_USER = `mutation($input: CreateUserInput!) {
  createUser(input: $input) { id firstName lastName email status primaryAccess { primary access { key } company { id } } }
}`;
const NEW_PASSWORD = 'a brand new passphrase 42';

describe('createUser', () => {
  const { app, world } = useTestWorld();
  let serial = 0;

  const createUser = (viewer: Actor, input: Record<string, unknown>) =>
    app.graphql(CREATE_USER, { input }, world.tokenOf(viewer));
  const newUserInput = (overrides: Record<string, unknown> = {}) => ({
    firstName: 'New',
    lastName: 'Person',
    email: `new${++serial}@example.com`,
    password: NEW_PASSWORD,
    companyId: String(world.companies.acmeEast),
    accessId: String(world.accessIds.member),
    ...overrides,
  });
  const countUsers = () => app.orm.em.fork().count(User, {});

  it('creates an active user with a hashed password and one primary access', async () => {
    const input = newUserInput({ email: '  Grace.Hopper@Example.COM ', firstName: ' Grace ', lastName: 'Hopper' });
    const { body } = await createUser('acmeAdmin', input);
    expect(body.errors).toBeUndefined();
    expect(body.data.createUser).toMatchObject({
      firstName: 'Grace',
      lastName: 'Hopper',
      email: 'grace.hopper@example.com',
      status: 'ACTIVE',
      primaryAccess: { primary: true, access: { key: 'member' }, company: { id: String(world.companies.acmeEast) } },
    });

    const user = (await findUser(app, { email: 'grace.hopper@example.com' }))!;
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(user.passwordHash!, NEW_PASSWORD)).toBe(true);
    const grants = await app.orm.em.fork().find(UserAccess, { user: user.id });
    expect(grants.map((grant) => [grant.company.id, grant.access.id, grant.primary])).toEqual([
      [world.companies.acmeEast, world.accessIds.member, true],
    ]);
    expect(await mailsTo(app, 'grace.hopper@example.com')).toHaveLength(0);
    const signedIn = await login(app, 'grace.hopper@example.com', NEW_PASSWORD);
    expect(signedIn.body.data.login.token).toEqual(expect.any(String));
  });

  it('creates a PENDING user without a password and mails a one-time link to choose one', async () => {
    const { body } = await createUser('acmeAdmin', newUserInput({ email: 'pending.person@example.com', password: null }));
    expect(body.errors).toBeUndefined();
    expect(body.data.createUser.status).toBe('PENDING');
    expect(JSON.stringify(body)).not.toMatch(/token/i);

    const user = (await findUser(app, { email: 'pending.person@example.com' }))!;
    expect(user.passwordHash).toBeNull();
    const [mail] = await mailsTo(app, 'pending.person@example.com');
    expect(mail.headers.get('subject')).toBe('Your Leadsy account is ready: choose your password');
    expect(mail.text).toContain(`${app.config.publicUrl}/reset-password?token=`);
    const token = tokenFromMail(mail);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const [stored] = await app.orm.em.fork().find(PasswordResetToken, { user: user.id });
    expect(stored.tokenHash).toBe(hashOneTimeToken(token));
    expect(stored.usedAt).toBeNull();
    const days = (stored.expiresAt.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
  });

  it.each<[Actor, string]>([
    ['superAdmin', 'OK'],
    ['acmeAdmin', 'OK'],
    ['globexAdmin', 'NOT_FOUND'],
    ['eastManager', 'FORBIDDEN'],
    ['eastMember', 'FORBIDDEN'],
    ['anonymous', 'UNAUTHENTICATED'],
  ])('createUser in Acme East by %s: %s', async (viewer, code) => {
    const input = newUserInput();
    const { body } = await createUser(viewer, input);
    if (code === 'OK') {
      expect(body.errors).toBeUndefined();
      expect(body.data.createUser.email).toBe(input.email);
    } else {
      expect(body.errors[0].extensions.code).toBe(code);
      expect(await findUser(app, { email: input.email })).toBeNull();
    }
  });

  it('lets only a super_admin grant super_admin', async () => {
    const refused = await createUser('acmeAdmin', newUserInput({ accessId: String(world.accessIds.super_admin) }));
    expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const granted = await createUser('superAdmin', newUserInput({ accessId: String(world.accessIds.super_admin) }));
    expect(granted.body.errors).toBeUndefined();
    expect(granted.body.data.createUser.primaryAccess.access.key).toBe('super_admin');
    const admin = await createUser('acmeAdmin', newUserInput({ accessId: String(world.accessIds.admin) }));
    expect(admin.body.data.createUser.primaryAccess.access.key).toBe('admin');
  });

  it('refuses an email that is taken, whatever its case, and leaves nothing behind', async () => {
    const before = await countUsers();
    const { body } = await createUser('acmeAdmin', newUserInput({ email: ' EastMember@EXAMPLE.com' }));
    expect(body.errors[0].extensions.code).toBe('CONFLICT');
    expect(body.errors[0].message).toBe('a user with this email already exists');
    expect(await countUsers()).toBe(before);
  });

  it.each([
    ['an invalid email', { email: 'not-an-email' }, 'email'],
    ['a weak password', { password: 'short' }, 'password'],
    ['a password of one repeated character', { password: 'aaaaaaaaaaaaaaaa' }, 'password'],
    ['a blank first name', { firstName: '   ' }, 'firstName'],
    ['a last name that is too long', { lastName: 'x'.repeat(101) }, 'lastName'],
    ['ACTIVE without a password', { password: null, status: 'ACTIVE' }, 'status'],
    ['an access that does not exist', { accessId: '999999' }, 'accessId'],
    ['a company id that is not an id', { companyId: 'acme' }, 'companyId'],
  ])('refuses %s with BAD_USER_INPUT naming the field', async (_case, overrides, field) => {
    const before = await countUsers();
    expectFieldError(await createUser('acmeAdmin', newUserInput(overrides)), field);
    expect(await countUsers()).toBe(before);
  });

  it('answers NOT_FOUND for a company that does not exist', async () => {
    const { body } = await createUser('superAdmin', newUserInput({ companyId: '999999' }));
    expect(body.errors[0].extensions.code).toBe('NOT_FOUND');
  });

  it('enforces the membership plan: a full company takes nobody, and nothing is left behind', async () => {
    const em = app.orm.em.fork();
    const plan = em.create(Membership, { name: 'Solo', maxUsers: 1, priceCents: 0, currency: 'EUR' });
    // A root of its own: its plan bounds its whole tree.
    const full = em.create(Company, { name: 'Solo Co', membership: plan });
    await em.flush();
    const first = await createUser('superAdmin', newUserInput({ companyId: String(full.id), password: null }));
    expect(first.body.errors).toBeUndefined();

    const before = await countUsers();
    const tokensBefore = await app.orm.em.fork().count(PasswordResetToken, {});
    const input = newUserInput({ companyId: String(full.id), password: null });
    const { body } = await createUser('superAdmin', input);
    expect(body.errors[0].extensions.code).toBe('CONFLICT');
    expect(body.errors[0].message).toMatch(/limited to 1 users/);
    expect(await countUsers()).toBe(before);
    expect(await findUser(app, { email: input.email })).toBeNull();
    expect(await app.orm.em.fork().count(PasswordResetToken, {})).toBe(tokensBefore);
    expect(await mailsTo(app, input.email)).toHaveLength(0);
  });
});
