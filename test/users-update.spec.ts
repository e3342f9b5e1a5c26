import { PasswordResetToken } from '../src/modules/password-reset/password-reset-token.entity';
import { sessionToken } from './helpers/sessions';
import { User, UserStatus } from '../src/modules/user/user.entity';
import { hashOneTimeToken } from '../src/modules/auth/one-time-token';
import { verifyPassword } from '../src/modules/auth/passwords';
import { PASSWORD, type Actor } from './helpers/fixtures';
import { addUser } from './helpers/users';
import { useTestWorld } from './helpers/setup';
import { expectFieldError } from './helpers/expect';
import { findUser } from './helpers/users';
import { login, me } from './helpers/documents';

const UPDATE_USER = `mutation($id: ID!, $input: UpdateUserInput!) {
  updateUser(id: $id, input: $input) { id firstName lastName email status }
}`;
const NEW_PASSWORD = 'a brand new passphrase 42';

describe('updateUser', () => {
  const { app, world } = useTestWorld();

  const updateUser = (viewer: Actor | { token: string }, id: number, input: Record<string, unknown>) =>
    app.graphql(UPDATE_USER, { id: String(id), input }, typeof viewer === 'object' ? viewer.token : world.tokenOf(viewer));
  const eastMember = () => addUser(app, [[world.companies.acmeEast, 'member']]);
  /** An outstanding reset link of the user, to see which changes use it up. */
  const addResetToken = async (userId: number) => {
    const em = app.orm.em.fork();
    const hash = hashOneTimeToken(`outstanding-${userId}`);
    em.create(PasswordResetToken, {
      user: userId,
      tokenHash: hash,
      expiresAt: new Date(Date.now() + 3_600_000),
      createdAt: new Date(),
    });
    await em.flush();
  };

  it.each<[Actor, string]>([
    ['labMember', 'OK'], // self
    ['superAdmin', 'OK'],
    ['acmeAdmin', 'OK'],
    ['globexAdmin', 'NOT_FOUND'],
    ['westMember', 'NOT_FOUND'],
    ['eastManager', 'FORBIDDEN'],
    ['eastMember', 'FORBIDDEN'],
    ['anonymous', 'UNAUTHENTICATED'],
  ])('renaming the Acme East Lab member by %s: %s', async (viewer, code) => {
    const target = world.users.labMember;
    const lastName = `Renamed by ${viewer}`;
    const { body } = await updateUser(viewer, target.id, { lastName });
    const stored = await app.orm.em.fork().findOneOrFail(User, target.id);
    if (code === 'OK') {
      expect(body.errors).toBeUndefined();
      expect(body.data.updateUser).toMatchObject({ id: String(target.id), lastName });
      expect(stored.lastName).toBe(lastName);
    } else {
      expect(body.errors[0].extensions.code).toBe(code);
      expect(stored.lastName).not.toBe(lastName);
    }
  });

  it.each<[Actor | 'self', string]>([
    ['superAdmin', 'OK'],
    ['acmeAdmin', 'OK'],
    ['globexAdmin', 'NOT_FOUND'],
    ['eastManager', 'FORBIDDEN'],
    ['eastMember', 'FORBIDDEN'],
    ['self', 'FORBIDDEN'],
    ['anonymous', 'UNAUTHENTICATED'],
  ])('changing the email and status of an Acme East member by %s: %s', async (viewer, code) => {
    const target = await eastMember();
    const token = viewer === 'self' ? { token: await sessionToken(app, target.id) } : viewer;
    const { body } = await updateUser(token, target.id, {
      email: ` Changed.${target.email.toUpperCase()}`,
      status: 'INACTIVE',
    });
    const stored = await app.orm.em.fork().findOneOrFail(User, target.id);
    if (code === 'OK') {
      expect(body.errors).toBeUndefined();
      expect(body.data.updateUser).toMatchObject({ email: `changed.${target.email}`, status: 'INACTIVE' });
      expect(stored).toMatchObject({ email: `changed.${target.email}`, status: UserStatus.INACTIVE });
      expect(stored.credentialsChangedAt).toBeInstanceOf(Date);
    } else {
      expect(body.errors[0].extensions.code).toBe(code);
      expect(stored).toMatchObject({ email: target.email, status: UserStatus.ACTIVE, credentialsChangedAt: null });
    }
  });

  it('lets anyone send back its own email and status unchanged', async () => {
    const target = await eastMember();
    const { body } = await updateUser({ token: await sessionToken(app, target.id) }, target.id, {
      firstName: 'Same',
      email: target.email.toUpperCase(),
      status: 'ACTIVE',
    });
    expect(body.errors).toBeUndefined();
    expect(body.data.updateUser).toMatchObject({ firstName: 'Same', email: target.email, status: 'ACTIVE' });
  });

  it('refuses an email another user has', async () => {
    const target = await eastMember();
    const { body } = await updateUser('acmeAdmin', target.id, { email: 'EastManager@example.com', firstName: 'Kept' });
    expect(body.errors[0].extensions.code).toBe('CONFLICT');
    const stored = await app.orm.em.fork().findOneOrFail(User, target.id);
    expect(stored).toMatchObject({ email: target.email, firstName: 'Extra' });
  });

  it('uses up the reset links sent to the old address when the email changes', async () => {
    const target = await eastMember();
    await addResetToken(target.id);
    const { body } = await updateUser('acmeAdmin', target.id, { email: `moved.${target.email}` });
    expect(body.data.updateUser.email).toBe(`moved.${target.email}`);
    const [reset] = await app.orm.em.fork().find(PasswordResetToken, { user: target.id });
    expect(reset.usedAt).toBeInstanceOf(Date);
  });

  it.each([
    ['an invalid email', { email: 'nope' }, 'email'],
    ['a blank first name', { firstName: ' ' }, 'firstName'],
    ['a last name that is too long', { lastName: 'y'.repeat(101) }, 'lastName'],
  ])('refuses %s with BAD_USER_INPUT naming the field', async (_case, input, field) => {
    const target = await eastMember();
    expectFieldError(await updateUser('acmeAdmin', target.id, input), field);
    expect(await app.orm.em.fork().findOneOrFail(User, target.id)).toMatchObject({ email: target.email, firstName: 'Extra' });
  });

  it('never lets an admin edit a super_admin; a super_admin may', async () => {
    const target = await addUser(app, [
      [world.companies.leadsy, 'super_admin'],
      [world.companies.acme, 'member'],
    ]);
    const refused = await updateUser('acmeAdmin', target.id, { firstName: 'Hacked', status: 'INACTIVE' });
    expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const allowed = await updateUser('superAdmin', target.id, { firstName: 'Edited' });
    expect(allowed.body.data.updateUser.firstName).toBe('Edited');
  });

  it('deactivating a user ends its sessions and its reset links', async () => {
    const target = await eastMember();
    const token = await sessionToken(app, target.id);
    await addResetToken(target.id);
    expect((await me(app, token)).status).toBe(200);

    const { body } = await updateUser('acmeAdmin', target.id, { status: 'INACTIVE' });
    expect(body.data.updateUser.status).toBe('INACTIVE');
    expect((await me(app, token)).status).toBe(401);
    // Reactivation does not revive the sessions of before.
    expect((await updateUser('acmeAdmin', target.id, { status: 'ACTIVE' })).body.data.updateUser.status).toBe('ACTIVE');
    expect((await me(app, token)).status).toBe(401);
    const reset = await app.orm.em.fork().findOneOrFail(PasswordResetToken, { user: target.id });
    expect(reset.usedAt).toBeInstanceOf(Date);
  });

  describe('password', () => {
    it('changes its own password with the current one, which revokes older tokens and reset links', async () => {
      const target = await eastMember();
      const oldToken = await sessionToken(app, target.id);
      await addResetToken(target.id);

      const { body } = await updateUser({ token: oldToken }, target.id, { password: NEW_PASSWORD, currentPassword: PASSWORD });
      expect(body.errors).toBeUndefined();

      const stored = (await findUser(app, { email: target.email }))!;
      expect(await verifyPassword(stored.passwordHash!, NEW_PASSWORD)).toBe(true);
      expect(stored.credentialsChangedAt).toBeInstanceOf(Date);
      const revoked = await me(app, oldToken);
      expect(revoked.status).toBe(401);
      expect(revoked.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      const reset = await app.orm.em.fork().findOneOrFail(PasswordResetToken, { user: target.id });
      expect(reset.usedAt).toBeInstanceOf(Date);

      expect((await login(app, target.email, PASSWORD)).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      const signedIn = await login(app, target.email, NEW_PASSWORD);
      expect((await me(app, signedIn.body.data.login.token)).body.data.me.id).toBe(String(target.id));
    });

    it.each([
      ['without the current password', { password: NEW_PASSWORD }, 'currentPassword'],
      ['with a wrong current password', { password: NEW_PASSWORD, currentPassword: 'not my password at all' }, 'currentPassword'],
      ['to a weak password', { password: 'weak', currentPassword: PASSWORD }, 'password'],
    ])('refuses a change %s and keeps the old password', async (_case, input, field) => {
      const target = await eastMember();
      const token = await sessionToken(app, target.id);
      expectFieldError(await updateUser({ token }, target.id, input), field);
      const stored = (await findUser(app, { email: target.email }))!;
      expect(await verifyPassword(stored.passwordHash!, PASSWORD)).toBe(true);
      expect(stored.credentialsChangedAt).toBeNull();
      expect((await me(app, token)).status).toBe(200);
    });

    it('does not let an admin set another user’s password', async () => {
      const target = await eastMember();
      const { body } = await updateUser('acmeAdmin', target.id, { password: NEW_PASSWORD, currentPassword: PASSWORD });
      expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(await verifyPassword((await findUser(app, { email: target.email }))!.passwordHash!, PASSWORD)).toBe(true);
    });
  });

  it('renames in one statement, changes only the names given, and writes nothing for unchanged names', async () => {
    const target = await eastMember();
    const before = await app.orm.em.fork().findOneOrFail(User, target.id);
    const statements = await app.countStatements(async () => {
      const { body } = await updateUser('superAdmin', target.id, { firstName: 'Renamed' });
      expect(body.data.updateUser).toMatchObject({ firstName: 'Renamed', lastName: before.lastName, email: before.email });
    });
    // The viewer with its scope, the target, the UPDATE … RETURNING.
    expect(statements).toBe(3);
    const renamed = await app.orm.em.fork().findOneOrFail(User, target.id);
    expect(renamed).toMatchObject({
      firstName: 'Renamed',
      lastName: before.lastName,
      email: before.email,
      status: before.status,
    });
    expect(renamed.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());

    const unchanged = await app.countStatements(async () => {
      const { body } = await updateUser('superAdmin', target.id, {
        firstName: 'Renamed',
        lastName: before.lastName,
        email: before.email,
      });
      expect(body.data.updateUser).toMatchObject({ firstName: 'Renamed', lastName: before.lastName });
    });
    expect(unchanged).toBe(2);
    expect((await app.orm.em.fork().findOneOrFail(User, target.id)).updatedAt).toEqual(renamed.updatedAt);
  });

  it('has no input for ids, hashes or roles', async () => {
    const { body } = await updateUser('eastMember', world.users.eastMember.id, { passwordHash: 'x', accessId: '1' });
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});
