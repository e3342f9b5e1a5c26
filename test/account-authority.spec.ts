import { Access } from '../src/modules/access/access.entity';
import { sessionToken } from './helpers/sessions';
import { UserAccess } from '../src/modules/access/user-access.entity';
import { HOUR_MS, issuePasswordToken } from '../src/modules/password-reset/password-reset-tokens';
import { PasswordResetToken } from '../src/modules/password-reset/password-reset-token.entity';
import { User, UserStatus } from '../src/modules/user/user.entity';
import { PASSWORD } from './helpers/fixtures';
import { mailsTo, readOutbox } from './helpers/outbox';
import { useTestWorld } from './helpers/setup';

/**
 * Account-wide fields belong to the person: an admin of only some of a person's companies cannot
 * change them, but may remove the person's accesses in its own companies instead. A changed email
 * is announced to both addresses, and the reset links sent to the old one die.
 */

const { app, world } = useTestWorld();
let adminOfBoth: string;
let serial = 0;

beforeAll(async () => {
  const em = app.orm.em.fork();
  const admin = await em.findOneOrFail(Access, { key: 'admin' });
  const viewer = em.create(User, { email: 'both@example.com', firstName: 'Both', lastName: 'Admin', status: UserStatus.ACTIVE });
  em.create(UserAccess, { user: viewer, company: world.companies.acme, access: admin, primary: true });
  em.create(UserAccess, { user: viewer, company: world.companies.globex, access: admin });
  await em.flush();
  adminOfBoth = await sessionToken(app, viewer.id);
});

/** A member of Acme East and of Globex West, with a pending reset link. */
async function personInTwoTrees(): Promise<User> {
  const em = app.orm.em.fork();
  const member = await em.findOneOrFail(Access, { key: 'member' });
  const user = em.create(User, {
    email: `two-trees-${(serial += 1)}@example.com`,
    firstName: 'Two',
    lastName: 'Trees',
    status: UserStatus.ACTIVE,
  });
  em.create(UserAccess, { user, company: world.companies.acmeEast, access: member, primary: true });
  em.create(UserAccess, { user, company: world.companies.globexWest, access: member });
  await em.flush();
  issuePasswordToken(em, user, HOUR_MS);
  await em.flush();
  return user;
}

const UPDATE = 'mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id email status } }';
const stored = (id: number) => app.orm.em.fork().findOneOrFail(User, id);
const pendingResets = (id: number) => app.orm.em.fork().count(PasswordResetToken, { user: id, usedAt: null });

describe('an admin of one of the two trees', () => {
  it.each([
    ['email', { email: 'taken-over@example.com' }, { email: 'taken-over@example.com' }],
    ['status', { status: 'INACTIVE' }, { status: 'inactive' }],
    ['names', { lastName: 'Renamed' }, { last_name: 'Renamed' }],
  ])('cannot change the %s, on either transport, and nothing changes', async (_field, input, body) => {
    const person = await personInTwoTrees();
    const graphql = await app.graphql(UPDATE, { id: String(person.id), input }, world.token('acmeAdmin'));
    expect(graphql.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(graphql.body.errors[0].message).toMatch(/remove the user's accesses in your companies instead/);
    const rest = await app.request('PUT', `/api/v1/users/${person.id}`, {
      body,
      headers: world.headers('acmeAdmin'),
    });
    expect(rest.status).toBe(403);
    expect(await stored(person.id)).toMatchObject({ email: person.email, status: UserStatus.ACTIVE, lastName: 'Trees' });
    expect(await pendingResets(person.id)).toBe(1);
  });

  it('removes the person from its own company instead of deactivating it', async () => {
    const person = await personInTwoTrees();
    const grant = await app.orm.em.fork().findOneOrFail(UserAccess, { user: person.id, company: world.companies.acmeEast });
    const removed = await app.graphql(
      'mutation($id: ID!) { removeUserAccess(id: $id) { id } }',
      { id: String(grant.id) },
      world.token('acmeAdmin'),
    );
    expect(removed.body.errors).toBeUndefined();
    const left = await app.orm.em.fork().find(UserAccess, { user: person.id });
    expect(left.map((held) => held.company.id)).toEqual([world.companies.globexWest]);
    expect((await stored(person.id)).status).toBe(UserStatus.ACTIVE);
  });
});

describe('an admin of every company of the person changing its email', () => {
  it.each(['graphql', 'rest'])(
    'mails the old and the new address without a token, and the old reset links die (%s)',
    async (transport) => {
      const person = await personInTwoTrees();
      const newEmail = `moved-${serial}@example.com`;
      const before = (await readOutbox(app)).length;
      if (transport === 'graphql') {
        const { body } = await app.graphql(UPDATE, { id: String(person.id), input: { email: newEmail } }, adminOfBoth);
        expect(body.data.updateUser.email).toBe(newEmail);
      } else {
        const rest = await app.request('PUT', `/api/v1/users/${person.id}`, {
          body: { email: newEmail },
          headers: { authorization: `Bearer ${adminOfBoth}` },
        });
        expect(rest.status).toBe(200);
      }
      expect((await stored(person.id)).email).toBe(newEmail);
      expect(await pendingResets(person.id)).toBe(0);

      const [toOld] = await mailsTo(app, person.email);
      const [toNew] = await mailsTo(app, newEmail);
      expect(await readOutbox(app)).toHaveLength(before + 2);
      for (const mail of [toOld, toNew]) {
        expect(mail.headers.get('subject')).toBe('The email of your Leadsy account was changed');
        expect(mail.text).toContain(`from ${person.email} to ${newEmail}`);
        expect(mail.text).not.toMatch(/token=|https?:\/\//);
      }
    },
  );

  it('sends nothing when the email stays as it is', async () => {
    const person = await personInTwoTrees();
    const before = (await readOutbox(app)).length;
    const { body } = await app.graphql(
      UPDATE,
      { id: String(person.id), input: { email: person.email.toUpperCase() } },
      adminOfBoth,
    );
    expect(body.data.updateUser.email).toBe(person.email);
    expect(await readOutbox(app)).toHaveLength(before);
    expect(await pendingResets(person.id)).toBe(1);
  });
});

describe('the person itself', () => {
  it('keeps its self-service: own names, own password with the current one, but not its email', async () => {
    const person = await personInTwoTrees();
    const em = app.orm.em.fork();
    const passwordHash = (await em.findOneOrFail(User, world.users.eastMember.id, { populate: ['passwordHash'] })).passwordHash;
    await em.nativeUpdate(User, { id: person.id }, { passwordHash });
    const token = await sessionToken(app, person.id);
    const renamed = await app.graphql(UPDATE, { id: String(person.id), input: { firstName: 'Self' } }, token);
    expect(renamed.body.errors).toBeUndefined();
    const email = await app.graphql(UPDATE, { id: String(person.id), input: { email: 'mine@example.com' } }, token);
    expect(email.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const password = await app.graphql(
      UPDATE,
      { id: String(person.id), input: { password: 'a brand new passphrase 9', currentPassword: PASSWORD } },
      token,
    );
    expect(password.body.errors).toBeUndefined();
  });
});
