import { createOneTimeToken } from '../../src/modules/auth/one-time-token';
import { HOUR_MS, issuePasswordToken } from '../../src/modules/password-reset/password-reset-tokens';
import { Access } from '../../src/modules/access/access.entity';
import { Invitation } from '../../src/modules/invitation/invitation.entity';
import { User } from '../../src/modules/user/user.entity';
import { PASSWORD } from '../helpers/fixtures';
import type { HttpResult } from '../helpers/test-app';
import { expectGraphqlRefusal, expectRestError } from './security-helpers';
import { useTestWorld } from '../helpers/setup';
import { LOGIN } from '../helpers/documents';
import { signAccessToken } from '../helpers/users';
import { sessionIdOf, sessionToken } from '../helpers/sessions';

/**
 * A client that kept an old Authorization header (expired, revoked by a password change, or
 * garbage) can still sign in, reset its password, accept an invitation and read the legal terms,
 * on both transports. Everything else still answers 401 for that header.
 */

const { app, world } = useTestWorld();

const STALE_HEADERS: [string, () => Promise<string>][] = [
  ['an expired token', async () => signAccessToken(app, world.users.eastMember.id, { options: { expiresIn: -60 } })],
  [
    'a token of an ended session',
    async () => {
      const token = await sessionToken(app, world.users.labMember.id);
      await app.orm.em
        .fork()
        .getConnection()
        .execute(`update sessions set revoked_at = now(), revoked_reason = 'logout' where id = ?`, [sessionIdOf(token)]);
      return token;
    },
  ],
  ['garbage', async () => 'not-a-token-at-all'],
];

let serial = 0;
async function resetToken(): Promise<string> {
  const em = app.orm.em.fork();
  const token = issuePasswordToken(em, await em.findOneOrFail(User, world.users.eastManager.id), HOUR_MS);
  await em.flush();
  return token;
}
async function invitationToken(): Promise<{ token: string; email: string }> {
  const em = app.orm.em.fork();
  const { token, hash } = createOneTimeToken();
  const email = `stale-invitee-${(serial += 1)}@example.com`;
  em.create(Invitation, {
    email,
    company: world.companies.acmeEast,
    access: await em.findOneOrFail(Access, { key: 'member' }),
    tokenHash: hash,
    invitedBy: world.users.acmeAdmin.id,
    expiresAt: new Date(Date.now() + HOUR_MS),
  });
  await em.flush();
  return { token, email };
}

const NEW_PASSWORD = 'a brand new passphrase 9';

/** Each public operation on both transports, with what its success looks like. */
const PUBLIC_CALLS: [string, (authorization: string) => Promise<void>][] = [
  [
    'login',
    async (authorization) => {
      const graphql = await send(
        '/graphql',
        { query: LOGIN, variables: { email: 'acmeadmin@example.com', password: PASSWORD } },
        authorization,
      );
      expect(graphql.body.data.login.token).toEqual(expect.any(String));
      const rest = await send('/api/v1/users/login', { email: 'acmeadmin@example.com', password: PASSWORD }, authorization);
      expect(rest.status).toBe(200);
      expect(rest.body.token).toEqual(expect.any(String));
    },
  ],
  [
    'requestPasswordReset',
    async (authorization) => {
      const graphql = await send(
        '/graphql',
        { query: 'mutation { requestPasswordReset(email: "globexadmin@example.com") }' },
        authorization,
      );
      expect(graphql.body).toEqual({ data: { requestPasswordReset: true } });
      const rest = await send('/api/v1/users/reset_password', { email: 'globexadmin@example.com' }, authorization);
      expect(rest.status).toBe(202);
    },
  ],
  [
    'resetPassword',
    async (authorization) => {
      const query = 'mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) { id } }';
      const graphql = await send('/graphql', { query, variables: { t: await resetToken(), p: NEW_PASSWORD } }, authorization);
      expect(graphql.body.data.resetPassword.id).toBe(String(world.users.eastManager.id));
      const rest = await send(
        '/api/v1/users/reset_password',
        { token: await resetToken(), password: NEW_PASSWORD },
        authorization,
      );
      expect(rest.status).toBe(200);
      expect(rest.body.user.id).toBe(world.users.eastManager.id);
    },
  ],
  [
    'acceptInvitation',
    async (authorization) => {
      const query = `mutation($t: String!, $p: String!) {
        acceptInvitation(input: { token: $t, firstName: "New", lastName: "Comer", password: $p }) { user { email } }
      }`;
      const first = await invitationToken();
      const graphql = await send('/graphql', { query, variables: { t: first.token, p: NEW_PASSWORD } }, authorization);
      expect(graphql.body.data.acceptInvitation.user.email).toBe(first.email);
      const second = await invitationToken();
      const body = { token: second.token, first_name: 'New', last_name: 'Comer', password: NEW_PASSWORD };
      const rest = await send('/api/v1/invitations/accept', body, authorization);
      expect(rest.status).toBe(200);
      expect(rest.body.user.email).toBe(second.email);
    },
  ],
  [
    'the legal terms',
    async (authorization) => {
      const graphql = await send('/graphql', { query: '{ currentLegalTerm { id } }' }, authorization);
      const { id } = graphql.body.data.currentLegalTerm;
      const byId = await send('/graphql', { query: `{ legalTerm(id: "${id}") { id } }` }, authorization);
      expect(byId.body.data.legalTerm.id).toBe(id);
      expect((await get(`/api/v1/legal_terms/current`, authorization)).status).toBe(200);
      expect((await get(`/api/v1/legal_terms/${id}`, authorization)).status).toBe(200);
    },
  ],
];

function send(path: string, body: unknown, authorization: string): Promise<HttpResult> {
  return app.request('POST', path, { body, headers: { authorization } });
}
function get(path: string, authorization: string): Promise<HttpResult> {
  return app.request('GET', path, { headers: { authorization } });
}

describe.each(STALE_HEADERS)('with %s in the Authorization header', (_label, makeToken) => {
  let authorization: string;
  beforeAll(async () => {
    authorization = `Bearer ${await makeToken()}`;
  });

  it.each(PUBLIC_CALLS)('%s works on both transports', async (_operation, call) => {
    await call(authorization);
  });

  it('still refuses a protected operation with 401 on both transports, also beside a public field', async () => {
    expectGraphqlRefusal(await send('/graphql', { query: '{ me { id } }' }, authorization), 401, 'UNAUTHENTICATED');
    expectGraphqlRefusal(
      await send('/graphql', { query: '{ currentLegalTerm { id } me { id } }' }, authorization),
      401,
      'UNAUTHENTICATED',
    );
    expectGraphqlRefusal(
      await send('/graphql', { query: '{ ...F } fragment F on Query { currentLegalTerm { id } }' }, authorization),
      401,
      'UNAUTHENTICATED',
    );
    expectRestError(await get('/api/v1/users/validate_jwt', authorization), 401, 'UNAUTHENTICATED');
    expectRestError(await get('/api/v1/stages', authorization), 401, 'UNAUTHENTICATED');
  });
});
