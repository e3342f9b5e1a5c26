import { UserAccess } from '../src/modules/access/user-access.entity';
import { sessionToken } from './helpers/sessions';
import { Company } from '../src/modules/company/company.entity';
import { InvitationStatus } from '../src/modules/invitation/invitation.entity';
import { Membership } from '../src/modules/membership/membership.entity';
import { User, UserStatus } from '../src/modules/user/user.entity';
import { hashOneTimeToken } from '../src/modules/auth/one-time-token';
import { hashPassword, verifyPassword } from '../src/modules/auth/passwords';
import { PASSWORD } from './helpers/fixtures';
import { invitationHelpers, NEW_PASSWORD } from './helpers/invitations';
import { mailsTo, readOutbox, tokenFromMail } from './helpers/outbox';
import { useTestWorld } from './helpers/setup';
import { expectRefused } from './helpers/expect';
import { findUser } from './helpers/users';
import { me } from './helpers/documents';

describe('invitations: inviting and accepting', () => {
  const { app, world } = useTestWorld();
  const h = invitationHelpers(app, world);
  let serial = 0;

  const grantsOf = async (userId: number) =>
    (await app.orm.em.fork().find(UserAccess, { user: userId }, { orderBy: { id: 'asc' }, populate: ['access'] })).map(
      (grant) => [grant.company.id, grant.access.key, grant.primary],
    );
  /** A user outside Acme (a member of Globex West) with the fixtures' password. */
  const addUser = async (status = UserStatus.ACTIVE, withPassword = true) => {
    const em = app.orm.em.fork();
    const user = em.create(User, {
      email: `existing${++serial}@example.com`,
      firstName: 'Existing',
      lastName: 'Person',
      passwordHash: withPassword ? await hashPassword(PASSWORD) : null,
      status,
    });
    em.create(UserAccess, { user, company: world.companies.globexWest, access: world.accessIds.member, primary: true });
    await em.flush();
    return user;
  };

  it('mails a one-time link, stores only its hash, and creates the account on acceptance', async () => {
    const { body } = await h.create('acmeAdmin', { email: '  Nina.New@Example.COM ', firstName: ' Nina ', lastName: 'New' });
    expect(body.errors).toBeUndefined();
    const invitation = body.data.createInvitation;
    expect(invitation).toMatchObject({
      email: 'nina.new@example.com',
      status: 'PENDING',
      company: { id: String(world.companies.acmeEast), name: 'Acme East' },
      access: { key: 'member' },
      invitedBy: { id: String(world.users.acmeAdmin.id) },
    });
    const days = (Date.parse(invitation.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);

    const [mail] = await mailsTo(app, 'nina.new@example.com');
    expect(mail.headers.get('subject')).toBe('You are invited to join Acme East on Leadsy');
    expect(mail.text).toMatch(/^Hello Nina,/);
    expect(mail.text).toContain('AcmeAdmin Tester invited you to join Acme East on Leadsy as');
    const token = tokenFromMail(mail);
    expect(mail.text).toContain(`${app.config.publicUrl}/accept-invitation?token=${token}`);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);

    const row = await h.row(invitation.id);
    expect(row).toMatchObject({ status: InvitationStatus.PENDING, firstName: 'Nina', lastName: 'New', acceptedAt: null });
    expect(row.invitedBy?.id).toBe(world.users.acmeAdmin.id);
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.tokenHash).toBe(hashOneTimeToken(token));
    expect(row.tokenHash).not.toContain(token);

    const accepted = await h.accept(token, { firstName: 'Nina', lastName: 'Newcomer' });
    expect(accepted.body.errors).toBeUndefined();
    const payload = accepted.body.data.acceptInvitation;
    expect(payload.user).toMatchObject({
      email: 'nina.new@example.com',
      firstName: 'Nina',
      lastName: 'Newcomer',
      status: 'ACTIVE',
    });
    expect(Date.parse(payload.expiresAt)).toBeGreaterThan(Date.now());

    const user = (await findUser(app, { email: 'nina.new@example.com' }))!;
    expect(String(user.id)).toBe(payload.user.id);
    expect(await verifyPassword(user.passwordHash!, NEW_PASSWORD)).toBe(true);
    expect(await grantsOf(user.id)).toEqual([[world.companies.acmeEast, 'member', true]]);
    const used = await h.row(invitation.id);
    expect(used.status).toBe(InvitationStatus.ACCEPTED);
    expect(used.acceptedAt).toBeInstanceOf(Date);
    expect((await me(app, payload.token)).body.data.me).toEqual({ id: payload.user.id, email: 'nina.new@example.com' });

    const again = await h.accept(token, { password: 'another passphrase 123' });
    expectRefused(again, 'BAD_USER_INPUT', { message: 'this invitation was already accepted: sign in instead', field: 'token' });
    expect(await verifyPassword((await findUser(app, { email: 'nina.new@example.com' }))!.passwordHash!, NEW_PASSWORD)).toBe(
      true,
    );
  });

  it('attaches the access to an existing account that gives its own password, and nothing on a wrong one', async () => {
    const user = await addUser();
    const { invitation, token } = await h.invite('acmeAdmin', { email: user.email, accessId: String(world.accessIds.manager) });

    const wrong = await h.accept(token, { password: 'not the password at all' });
    expectRefused(wrong, 'UNAUTHENTICATED', { message: 'wrong email or password' });
    expect(await grantsOf(user.id)).toEqual([[world.companies.globexWest, 'member', true]]);
    expect((await h.row(invitation.id)).status).toBe(InvitationStatus.PENDING);

    const { body } = await h.accept(token, { password: PASSWORD, firstName: 'Other', lastName: 'Names' });
    expect(body.errors).toBeUndefined();
    expect(body.data.acceptInvitation.user).toMatchObject({ id: String(user.id), firstName: 'Existing', lastName: 'Person' });
    expect(await grantsOf(user.id)).toEqual([
      [world.companies.globexWest, 'member', true],
      [world.companies.acmeEast, 'manager', false],
    ]);
    expect((await me(app, body.data.acceptInvitation.token)).body.data.me.id).toBe(String(user.id));
  });

  it('activates a pending account with the chosen password', async () => {
    const user = await addUser(UserStatus.PENDING, false);
    const { token } = await h.invite('eastManager', { email: user.email });
    expectRefused(await h.accept(token, { password: 'short' }), 'BAD_USER_INPUT');

    const { body } = await h.accept(token);
    expect(body.errors).toBeUndefined();
    const stored = (await findUser(app, { email: user.email }))!;
    expect(stored.status).toBe(UserStatus.ACTIVE);
    expect(stored.credentialsChangedAt).toBeInstanceOf(Date);
    expect(await verifyPassword(stored.passwordHash!, NEW_PASSWORD)).toBe(true);
    expect((await me(app, body.data.acceptInvitation.token)).body.data.me.id).toBe(String(user.id));
  });

  it('refuses a deactivated account like a failed login, even with its password', async () => {
    const user = await addUser(UserStatus.INACTIVE);
    const { invitation, token } = await h.invite('acmeAdmin', { email: user.email });
    expectRefused(await h.accept(token, { password: PASSWORD }), 'UNAUTHENTICATED', { message: 'wrong email or password' });
    expect((await findUser(app, { email: user.email }))!.status).toBe(UserStatus.INACTIVE);
    expect(await grantsOf(user.id)).toHaveLength(1);
    expect((await h.row(invitation.id)).status).toBe(InvitationStatus.PENDING);
  });

  it('refuses an account that already holds an access in the company, leaving the invitation pending', async () => {
    const user = await addUser();
    const { invitation, token } = await h.invite('globexAdmin', { email: user.email, companyId: String(world.companies.globex) });
    const em = app.orm.em.fork();
    em.create(UserAccess, { user: user.id, company: world.companies.globex, access: world.accessIds.member });
    await em.flush();
    expectRefused(await h.accept(token, { password: PASSWORD }), 'CONFLICT');
    expect((await h.row(invitation.id)).status).toBe(InvitationStatus.PENDING);
  });

  it.each([
    ['an unknown token', async () => 'A'.repeat(43), 'invalid invitation token'],
    [
      'an expired token',
      async () => {
        const { invitation, token } = await h.invite('acmeAdmin');
        await h.expire(invitation.id);
        return token;
      },
      'this invitation has expired: ask for a new one',
    ],
    [
      'a revoked token',
      async () => {
        const { invitation, token } = await h.invite('acmeAdmin');
        expect((await h.revoke('acmeAdmin', invitation.id)).body.data.revokeInvitation.status).toBe('REVOKED');
        return token;
      },
      'this invitation was revoked',
    ],
  ])('refuses %s, saying why, and creates nobody', async (_case, tokenFor, message) => {
    const token = await tokenFor();
    const users = await app.orm.em.fork().count(User, {});
    const result = await h.accept(token);
    expectRefused(result, 'BAD_USER_INPUT', { message, field: 'token' });
    expect(await app.orm.em.fork().count(User, {})).toBe(users);
  });

  it('records an expired invitation as expired once someone tries it', async () => {
    const { invitation, token } = await h.invite('acmeAdmin');
    await h.expire(invitation.id);
    expect((await h.row(invitation.id)).status).toBe(InvitationStatus.PENDING);
    await h.accept(token);
    expect((await h.row(invitation.id)).status).toBe(InvitationStatus.EXPIRED);
  });

  it('lets exactly one of two simultaneous acceptances of a token through', async () => {
    const { invitation, token } = await h.invite('acmeAdmin');
    const results = await Promise.all([h.accept(token), h.accept(token)]);
    const succeeded = results.filter((result) => !result.body.errors);
    expect(succeeded).toHaveLength(1);
    const refused = results.find((result) => result.body.errors)!;
    expectRefused(refused, 'BAD_USER_INPUT', { message: 'this invitation was already accepted: sign in instead' });
    const user = (await findUser(app, { email: invitation.email }))!;
    expect(await grantsOf(user.id)).toEqual([[world.companies.acmeEast, 'member', true]]);
  });

  it('enforces the membership plan: a full company takes nobody, and the invitation stays pending', async () => {
    const em = app.orm.em.fork();
    const plan = em.create(Membership, { name: 'Solo', maxUsers: 1, priceCents: 0, currency: 'EUR' });
    // A root of its own: its plan bounds its whole tree.
    const full = em.create(Company, { name: 'Solo Co', membership: plan });
    em.create(UserAccess, { user: world.users.eastMember.id, company: full, access: world.accessIds.member, primary: false });
    await em.flush();

    const { invitation, token } = await h.invite('superAdmin', { companyId: String(full.id) });
    const users = await app.orm.em.fork().count(User, {});
    const result = await h.accept(token);
    expectRefused(result, 'CONFLICT');
    expect(result.body.errors[0].message).toMatch(/limited to 1 users/);
    expect(await app.orm.em.fork().count(User, {})).toBe(users);
    expect(await findUser(app, { email: invitation.email })).toBeNull();
    const row = await h.row(invitation.id);
    expect(row).toMatchObject({ status: InvitationStatus.PENDING, acceptedAt: null });
  });

  describe('pendingInvitations', () => {
    let owner: User;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      const em = app.orm.em.fork();
      const elsewhere = em.create(Company, { name: 'Elsewhere' });
      owner = em.create(User, { email: 'sought@example.com', firstName: 'Sought', lastName: 'After', status: UserStatus.ACTIVE });
      em.create(UserAccess, { user: owner, company: elsewhere, access: world.accessIds.member, primary: true });
      await em.flush();
      ids.east = (await h.invite('eastManager', { email: owner.email })).invitation.id;
      ids.west = (
        await h.invite('globexAdmin', { email: owner.email, companyId: String(world.companies.globexWest) })
      ).invitation.id;
      ids.expired = (await h.invite('acmeAdmin', { email: owner.email, companyId: String(world.companies.acme) })).invitation.id;
      await h.expire(ids.expired);
      ids.revoked = (
        await h.invite('acmeAdmin', { email: owner.email, companyId: String(world.companies.acmeEastLab) })
      ).invitation.id;
      await h.revoke('acmeAdmin', ids.revoked);
    });

    it('shows its owner every pending, unexpired invitation, with the inviting companies but not inviters it cannot see', async () => {
      const token = await sessionToken(app, owner.id);
      const { body } = await app.graphql(
        'query($email: String!) { pendingInvitations(email: $email) { id status company { name } invitedBy { id } } }',
        { email: ' SOUGHT@example.com ' },
        token,
      );
      expect(body.errors).toBeUndefined();
      expect(body.data.pendingInvitations).toEqual([
        { id: ids.east, status: 'PENDING', company: { name: 'Acme East' }, invitedBy: null },
        { id: ids.west, status: 'PENDING', company: { name: 'Globex West' }, invitedBy: null },
      ]);
    });

    it('does not let an invitee see the people of the inviting company', async () => {
      const token = await sessionToken(app, owner.id);
      const { body } = await app.graphql(
        `query($email: String!) { pendingInvitations(email: $email) {
          company { name children { name } parentCompany { name } members { totalCount edges { node { email } } } }
        } }`,
        { email: 'sought@example.com' },
        token,
      );
      expect(body.errors).toBeUndefined();
      expect(body.data.pendingInvitations[0].company).toEqual({
        name: 'Acme East',
        children: [],
        parentCompany: null,
        members: { totalCount: 0, edges: [] },
      });
    });

    it.each<[Parameters<typeof h.pending>[0], string[]]>([
      ['superAdmin', ['east', 'west']],
      ['acmeAdmin', ['east']],
      ['eastManager', ['east']],
      ['globexAdmin', ['west']],
      ['eastMember', []],
      ['westMember', []],
    ])('shows %s only the invitations of companies it manages', async (viewer, expected) => {
      const { body } = await h.pending(viewer, 'sought@example.com');
      expect(body.errors).toBeUndefined();
      expect(body.data.pendingInvitations.map((invitation: { id: string }) => invitation.id)).toEqual(
        expected.map((key) => ids[key]),
      );
    });

    it('shows a manager who invited the inviter, and refuses anonymous callers and bad emails', async () => {
      const { body } = await h.pending('eastManager', 'sought@example.com');
      expect(body.data.pendingInvitations[0].invitedBy).toEqual({ id: String(world.users.eastManager.id) });
      expectRefused(await h.pending('anonymous', 'sought@example.com'), 'UNAUTHENTICATED');
      expectRefused(await h.pending('acmeAdmin', 'not an email'), 'BAD_USER_INPUT');
    });
  });

  it('never returns a mailed token in any response', async () => {
    const tokens = (await readOutbox(app)).map(tokenFromMail);
    expect(tokens.length).toBeGreaterThan(5);
    for (const response of h.responses) for (const token of tokens) expect(response).not.toContain(token);
  });
});
