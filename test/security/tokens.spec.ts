import { generateKeyPairSync } from 'node:crypto';
import { sessionIdOf, sessionToken } from '../helpers/sessions';
import jwt from 'jsonwebtoken';
import { PASSWORD } from '../helpers/fixtures';
import { invitationHelpers } from '../helpers/invitations';
import { tokenFromMail, waitForMails } from '../helpers/outbox';
import { TEST_JWT_SECRET } from '../helpers/test-app';
import { addUser, signAccessToken } from '../helpers/users';
import { bearer, expectGraphqlRefusal, expectRestError } from './security-helpers';
import { useTestWorld } from '../helpers/setup';
import { login, me } from '../helpers/documents';

/** RFC 8725: every token the gateway did not issue as an access token, or no longer honours, is a 401 on both transports. */

const ATTACKER_KEYS = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const NEW_PASSWORD = 'a different passphrase 77';

const { app, world } = useTestWorld();
const mailed: Record<'reset' | 'invitation', string> = { reset: '', invitation: '' };

beforeAll(async () => {
  await app.graphql('mutation { requestPasswordReset(email: "labmember@example.com") }');
  mailed.reset = tokenFromMail((await waitForMails(app.dataDir, 'labmember@example.com'))[0]);
  mailed.invitation = (await invitationHelpers(app, world).invite('acmeAdmin')).token;
});

/** An access token of eastMember's session, valid but for what `claims` and `options` change. */
const sign = (options: jwt.SignOptions = {}, secret: jwt.Secret = TEST_JWT_SECRET, claims: object = {}) =>
  signAccessToken(app, world.users.eastMember.id, {
    options,
    secret,
    claims: { sid: sessionIdOf(world.token('eastMember')), ...claims },
  });

/** The payload of a real token rewritten to name the super admin, its signature kept. */
function tampered(): string {
  const [header, payload, signature] = world.token('eastMember').split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  const forged = Buffer.from(JSON.stringify({ ...claims, sub: String(world.users.superAdmin.id) })).toString('base64url');
  return [header, forged, signature].join('.');
}

const restValidate = (token: string) => app.request('GET', '/api/v1/users/validate_jwt', { headers: bearer(token) });

async function expectRefusedOnBothTransports(token: string): Promise<void> {
  expectGraphqlRefusal(await me(app, token), 401, 'UNAUTHENTICATED');
  expectRestError(await restValidate(token), 401, 'UNAUTHENTICATED');
}

describe('tokens the gateway never issued as access tokens', () => {
  it.each<[string, () => string]>([
    ['alg "none" (unsigned)', () => sign({ algorithm: 'none' }, '')],
    ["RS256, signed with an attacker's private key", () => sign({ algorithm: 'RS256' }, ATTACKER_KEYS.privateKey)],
    ['HS256 keyed with a public key (algorithm confusion)', () => sign({}, ATTACKER_KEYS.publicKey)],
    ['HS512 with the right secret (only HS256 is accepted)', () => sign({ algorithm: 'HS512' })],
    ['tampered: payload rewritten, signature kept', tampered],
    ['expired', () => sign({ expiresIn: -30 })],
    ['not yet valid (nbf in the future)', () => sign({ notBefore: 300 })],
    ['of another issuer', () => sign({ issuer: 'someone-else' })],
    ['of another audience', () => sign({ audience: 'another-api' })],
    ['a password reset token from a mail', () => mailed.reset],
    ['an invitation token from a mail', () => mailed.invitation],
    ['without a session (no sid)', () => sign({}, TEST_JWT_SECRET, { sid: undefined })],
    ['naming a session that does not exist', () => sign({}, TEST_JWT_SECRET, { sid: '00000000-0000-4000-8000-000000000000' })],
    ["naming another user's session", () => sign({}, TEST_JWT_SECRET, { sid: sessionIdOf(world.token('eastManager')) })],
  ])('refuses %s with 401 on GraphQL and REST', async (_label, token) => {
    await expectRefusedOnBothTransports(token());
  });

  it('accepts the same token when nothing is wrong with it, on both transports', async () => {
    const token = sign();
    expect((await me(app, token)).body.data.me.id).toBe(String(world.users.eastMember.id));
    expect((await restValidate(token)).status).toBe(200);
  });
});

describe('tokens the gateway issued but no longer honours', () => {
  it('ends every token issued before a password change (REST change, both transports refuse)', async () => {
    const user = await addUser(app, [[world.companies.acmeEast, 'member']]);
    const before = await sessionToken(app, user.id);
    expect((await me(app, before)).status).toBe(200);
    const change = await app.request('PUT', `/api/v1/users/${user.id}`, {
      body: { password: NEW_PASSWORD, current_password: PASSWORD },
      headers: bearer(before),
    });
    expect(change.status).toBe(200);
    await expectRefusedOnBothTransports(before);
    const signedIn = await login(app, user.email, NEW_PASSWORD);
    expect((await me(app, signedIn.body.data.login.token)).body.data.me.id).toBe(String(user.id));
  });

  it('ends every token issued before a password reset finished with a mailed token', async () => {
    const before = await sessionToken(app, world.users.labMember.id);
    const reset = await app.request('POST', '/api/v1/users/reset_password', {
      body: { token: mailed.reset, password: NEW_PASSWORD },
    });
    expect(reset.status).toBe(200);
    await expectRefusedOnBothTransports(before);
  });

  it('ends the tokens of a user deactivated since (GraphQL change, both transports refuse)', async () => {
    const user = await addUser(app, [[world.companies.acmeEast, 'member']]);
    const token = await sessionToken(app, user.id);
    expect((await restValidate(token)).status).toBe(200);
    const { body } = await app.graphql(
      'mutation($id: ID!) { updateUser(id: $id, input: { status: INACTIVE }) { status } }',
      { id: String(user.id) },
      world.token('acmeAdmin'),
    );
    expect(body.data.updateUser.status).toBe('INACTIVE');
    await expectRefusedOnBothTransports(token);
    await expectRefusedOnBothTransports(sign({ subject: String(user.id) }));
  });
});
