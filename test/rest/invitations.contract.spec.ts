import type { AccessKey } from '../../src/modules/access/access.entity';
import { UserAccess } from '../../src/modules/access/user-access.entity';
import { Invitation, InvitationStatus } from '../../src/modules/invitation/invitation.entity';
import { User, UserStatus } from '../../src/modules/user/user.entity';
import type { Actor } from '../helpers/fixtures';
import { NEW_PASSWORD } from '../helpers/invitations';
import { mailsTo, tokenFromMail } from '../helpers/outbox';
import { expectErrorBody, expectShape, INVITATION, USER } from './contract-shapes';
import { describeRoute } from './describe-route';
import { restClient, useContractWorld } from './contract-app';

const { app, world } = useContractWorld();

const call = restClient(app, world);

let serial = 0;
const nextEmail = () => `rest-invitee${++serial}@example.com`;
const invitationsOf = (email: string) => app.orm.em.fork().find(Invitation, { email }, { orderBy: { id: 'asc' } });
const invitationRow = (id: number) => app.orm.em.fork().findOneOrFail(Invitation, id);

/** Accepts an invitation through the REST route, as Ivy Invitee choosing NEW_PASSWORD but for what `fields` changes. */
const accept = (token: string, fields: Record<string, unknown> = {}) =>
  call('POST', '/invitations/accept', 'anonymous', {
    token,
    first_name: 'Ivy',
    last_name: 'Invitee',
    password: NEW_PASSWORD,
    ...fields,
  });

/** Invites `email` into Acme East as a member through the REST route; returns the invitation and its mailed token. */
async function invite(email = nextEmail(), caller: Actor = 'acmeAdmin') {
  const { status, body } = await call('POST', '/invitations', caller, {
    email,
    company_id: world.companies.acmeEast,
    access_id: world.accessIds.member,
  });
  expect(status).toBe(201);
  const mails = await mailsTo(app, email);
  return { invitation: body.invitation, token: tokenFromMail(mails[mails.length - 1]) };
}

describeRoute('POST', '/invitations', () => {
  it('answers 201 {invitation}, maps every field, ignores unknown keys and never returns the token', async () => {
    const { status, body } = await call('POST', '/invitations', 'eastManager', {
      email: '  Rest.Nina@Example.COM ',
      company_id: world.companies.acmeEast,
      access_id: world.accessIds.manager,
      first_name: 'Nina',
      last_name: 'Rest',
      status: 'accepted',
      token: 'chosen-by-the-client',
      invited_by_id: world.users.superAdmin.id,
    });
    expect(status).toBe(201);
    expect(Object.keys(body)).toEqual(['invitation']);
    expectShape(body.invitation, INVITATION);
    expect(body.invitation).toMatchObject({
      email: 'rest.nina@example.com',
      company_id: world.companies.acmeEast,
      access_id: world.accessIds.manager,
      status: 'pending',
      invited_by_id: world.users.eastManager.id,
    });

    const [mail] = await mailsTo(app, 'rest.nina@example.com');
    const token = tokenFromMail(mail);
    expect(JSON.stringify(body)).not.toContain(token);
    expect(JSON.stringify(body)).not.toMatch(/token/i);

    const row = await invitationRow(body.invitation.id);
    expect(row).toMatchObject({ status: InvitationStatus.PENDING, firstName: 'Nina', lastName: 'Rest' });
    expect(row.company.id).toBe(world.companies.acmeEast);
    expect(row.access.id).toBe(world.accessIds.manager);
    expect(row.invitedBy?.id).toBe(world.users.eastManager.id);
  });

  it.each<[Actor, AccessKey, number, string]>([
    ['eastMember', 'member', 403, 'FORBIDDEN'],
    ['eastManager', 'admin', 403, 'FORBIDDEN'],
    ['globexAdmin', 'member', 404, 'NOT_FOUND'],
    ['anonymous', 'member', 401, 'UNAUTHENTICATED'],
  ])('refuses %s inviting as %s with %i and writes nothing', async (caller, access, expected, code) => {
    const email = nextEmail();
    const { status, body } = await call('POST', '/invitations', caller, {
      email,
      company_id: world.companies.acmeEast,
      access_id: world.accessIds[access],
    });
    expect(status).toBe(expected);
    expectErrorBody(body, code);
    expect(await invitationsOf(email)).toEqual([]);
    expect(await mailsTo(app, email)).toEqual([]);
  });

  it('answers 409 for a second pending invitation of the same email and company', async () => {
    const { invitation } = await invite();
    const { status, body } = await call('POST', '/invitations', 'acmeAdmin', {
      email: invitation.email.toUpperCase(),
      company_id: world.companies.acmeEast,
      access_id: world.accessIds.member,
    });
    expect(status).toBe(409);
    expectErrorBody(body, 'CONFLICT');
    expect((await invitationsOf(invitation.email)).map((row) => row.id)).toEqual([invitation.id]);
    expect(await mailsTo(app, invitation.email)).toHaveLength(1);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a missing company_id', { company_id: undefined }, 'company_id'],
    ['an access_id that is not a number', { access_id: 'member' }, 'access_id'],
    ['an email that is not a string', { email: 12 }, 'email'],
  ])('answers 400 for %s', async (_case, fields, field) => {
    const body = {
      email: 'shape@example.com',
      company_id: world.companies.acmeEast,
      access_id: world.accessIds.member,
      ...fields,
    };
    const result = await call('POST', '/invitations', 'acmeAdmin', body);
    expect(result.status).toBe(400);
    expectErrorBody(result.body, 'BAD_USER_INPUT');
    expect(result.body.error.details).toContainEqual({ field, message: expect.any(String) });
    expect(await invitationsOf('shape@example.com')).toEqual([]);
  });

  it('answers 400 for an invalid email without writing', async () => {
    const { status, body } = await call('POST', '/invitations', 'acmeAdmin', {
      email: 'not-an-email',
      company_id: world.companies.acmeEast,
      access_id: world.accessIds.member,
    });
    expect(status).toBe(400);
    expectErrorBody(body, 'BAD_USER_INPUT');
    expect(await invitationsOf('not-an-email')).toEqual([]);
  });
});

describeRoute('GET', '/invitations/pending', () => {
  it('answers 200 {invitations} with the pending ones for a manager of the company', async () => {
    const { invitation } = await invite(nextEmail(), 'eastManager');
    const revoked = await invite(nextEmail());
    await call('DELETE', `/invitations/${revoked.invitation.id}`, 'acmeAdmin');

    const { status, body } = await call(
      'GET',
      `/invitations/pending?email=${encodeURIComponent(invitation.email)}`,
      'eastManager',
    );
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['invitations']);
    expect(body.invitations).toHaveLength(1);
    expectShape(body.invitations[0], INVITATION);
    expect(body.invitations[0]).toEqual(invitation);

    const gone = await call('GET', `/invitations/pending?email=${encodeURIComponent(revoked.invitation.email)}`, 'eastManager');
    expect(gone.body).toEqual({ invitations: [] });
  });

  it('shows the invitee its own invitations and a member nothing of others', async () => {
    const { invitation } = await invite('westmember@example.com');
    const own = await call('GET', '/invitations/pending?email=WestMember@example.com', 'westMember');
    expect(own.status).toBe(200);
    expect(own.body.invitations.map((item: any) => item.id)).toEqual([invitation.id]);
    const member = await call('GET', '/invitations/pending?email=westmember@example.com', 'eastMember');
    expect(member.status).toBe(200);
    expect(member.body).toEqual({ invitations: [] });
  });

  it('answers 400 without an email and 401 without a token', async () => {
    const missing = await call('GET', '/invitations/pending', 'acmeAdmin');
    expect(missing.status).toBe(400);
    expectErrorBody(missing.body, 'BAD_USER_INPUT');
    expect(missing.body.error.details).toEqual([{ field: 'email', message: expect.any(String) }]);
    const anonymous = await call('GET', '/invitations/pending?email=a@example.com', 'anonymous');
    expect(anonymous.status).toBe(401);
    expectErrorBody(anonymous.body, 'UNAUTHENTICATED');
  });
});

describeRoute('POST', '/invitations/accept', () => {
  it('answers 200 {token, expires_at, refresh_token, user} for the mailed token, and the token signs the user in', async () => {
    const { invitation, token } = await invite();
    const { status, body } = await accept(token, {
      status: 'inactive',
    });
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['expires_at', 'refresh_token', 'token', 'user']);
    expect(typeof body.token).toBe('string');
    expect(body.expires_at).toMatch(/Z$/);
    expectShape(body.user, USER);
    expect(body.user).toMatchObject({ email: invitation.email, first_name: 'Ivy', last_name: 'Invitee', status: 'active' });
    expect(body.user.primary_company.id).toBe(world.companies.acmeEast);
    expect(body.user.primary_access).toMatchObject({ company_id: world.companies.acmeEast, access_id: world.accessIds.member });
    expect(JSON.stringify(body)).not.toContain(token);
    expect(JSON.stringify(body)).not.toMatch(/password|argon2/i);

    const validated = await app.request('GET', '/api/v1/users/validate_jwt', {
      headers: { authorization: `Bearer ${body.token}` },
    });
    expect(validated.status).toBe(200);
    expect(validated.body.user.id).toBe(body.user.id);

    expect((await invitationRow(invitation.id)).status).toBe(InvitationStatus.ACCEPTED);
    const user = await app.orm.em.fork().findOneOrFail(User, { email: invitation.email });
    expect(user.status).toBe(UserStatus.ACTIVE);
    const grants = await app.orm.em.fork().find(UserAccess, { user: user.id });
    expect(grants.map((grant) => [grant.company.id, grant.access.id, grant.primary])).toEqual([
      [world.companies.acmeEast, world.accessIds.member, true],
    ]);

    const again = await accept(token, { last_name: 'Again' });
    expect(again.status).toBe(400);
    expectErrorBody(again.body, 'BAD_USER_INPUT');
  });

  it('answers 400 for an invalid token and creates no account', async () => {
    const before = await app.orm.em.fork().count(User, {});
    const { status, body } = await accept('not-a-real-invitation-token');
    expect(status).toBe(400);
    expectErrorBody(body, 'BAD_USER_INPUT');
    expect(body.error.details).toEqual([{ field: 'token', message: expect.any(String) }]);
    expect(await app.orm.em.fork().count(User, {})).toBe(before);
  });

  it('answers 400 for a weak password or a missing field and leaves the invitation pending', async () => {
    const { invitation, token } = await invite();
    const weak = await accept(token, { password: 'short' });
    expect(weak.status).toBe(400);
    expectErrorBody(weak.body, 'BAD_USER_INPUT');
    const missing = await call('POST', '/invitations/accept', 'anonymous', { token, first_name: 'Ivy', password: NEW_PASSWORD });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual([{ field: 'last_name', message: expect.any(String) }]);
    expect((await invitationRow(invitation.id)).status).toBe(InvitationStatus.PENDING);
    expect(await app.orm.em.fork().count(User, { email: invitation.email })).toBe(0);
  });
});

describeRoute('DELETE', '/invitations/:id', () => {
  it('answers 200 {invitation} with status "revoked", then 409, and the token no longer works', async () => {
    const { invitation, token } = await invite();
    const { status, body } = await call('DELETE', `/invitations/${invitation.id}`, 'eastManager');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['invitation']);
    expectShape(body.invitation, INVITATION);
    expect(body.invitation).toMatchObject({ id: invitation.id, email: invitation.email, status: 'revoked' });
    expect((await invitationRow(invitation.id)).status).toBe(InvitationStatus.REVOKED);

    const again = await call('DELETE', `/invitations/${invitation.id}`, 'eastManager');
    expect(again.status).toBe(409);
    expectErrorBody(again.body, 'CONFLICT');

    const accepted = await accept(token);
    expect(accepted.status).toBe(400);
    expect(await app.orm.em.fork().count(User, { email: invitation.email })).toBe(0);
  });

  it.each<[Actor, number, string]>([
    ['eastMember', 403, 'FORBIDDEN'],
    ['globexAdmin', 404, 'NOT_FOUND'],
    ['anonymous', 401, 'UNAUTHENTICATED'],
  ])('refuses %s with %i and leaves the invitation pending', async (caller, expected, code) => {
    const { invitation } = await invite();
    const { status, body } = await call('DELETE', `/invitations/${invitation.id}`, caller);
    expect(status).toBe(expected);
    expectErrorBody(body, code);
    expect((await invitationRow(invitation.id)).status).toBe(InvitationStatus.PENDING);
  });

  it('answers 404 for an unknown id and 400 for an id that is not a number', async () => {
    const missing = await call('DELETE', '/invitations/99999', 'acmeAdmin');
    expect(missing.status).toBe(404);
    expectErrorBody(missing.body, 'NOT_FOUND');
    const bad = await call('DELETE', '/invitations/abc', 'acmeAdmin');
    expect(bad.status).toBe(400);
    expectErrorBody(bad.body, 'BAD_USER_INPUT');
  });
});
