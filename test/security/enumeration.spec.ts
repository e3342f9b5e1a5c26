import { randomBytes } from 'node:crypto';
import { PasswordResetToken } from '../../src/modules/password-reset/password-reset-token.entity';
import { User, UserStatus } from '../../src/modules/user/user.entity';
import { hashOneTimeToken } from '../../src/modules/auth/one-time-token';
import { PASSWORD, type World } from '../helpers/fixtures';
import { invitationHelpers } from '../helpers/invitations';
import { useTestWorld } from '../helpers/setup';
import type { HttpResult } from '../helpers/test-app';
import { expectSimilarTimes, medianTimes } from './security-helpers';
import { login } from '../helpers/documents';

/**
 * Whether an account exists must not show in an answer: not in its message, its status or (within
 * noise) its time. 15 requests of each kind, alternated; medians compared.
 */
const ROUNDS = 15;
const WRONG = 'not the password at all';
const NEW_PASSWORD = 'a brand new passphrase 9';
const REQUEST_RESET = 'mutation($email: String!) { requestPasswordReset(email: $email) }';
const RESET = 'mutation($token: String!, $password: String!) { resetPassword(token: $token, password: $password) { id } }';

// The rate limits would stop the repeated attempts of this file; they have their own tests.
const { app, world } = useTestWorld({ RATE_LIMIT_PER_ACCOUNT: '10000', RATE_LIMIT_PER_ADDRESS: '100000' });

/** What a client sees of an answer: status and body (GraphQL's `locations` aside, which only depend on the document). */
const visible = ({ status, body }: HttpResult) => ({ status, body });

async function expectIndistinguishable(send: (variant: string) => Promise<HttpResult>, [a, b]: [string, string]): Promise<void> {
  expect(visible(await send(a))).toEqual(visible(await send(b)));
  expectSimilarTimes(
    await medianTimes(
      ROUNDS,
      () => send(a),
      () => send(b),
    ),
  );
}

describe('login', () => {
  const graphql = (email: string, password: string) => login(app, email, password);
  const rest = (email: string, password: string) => app.request('POST', '/api/v1/users/login', { body: { email, password } });

  it.each([
    ['GraphQL', graphql],
    ['REST', rest],
  ])('answers an unknown email like a wrong password (%s)', async (_label, send) => {
    const unknown = await send('nobody.here@example.com', WRONG);
    expect(unknown.body.errors?.[0]?.extensions?.code ?? unknown.body.error?.code).toBe('UNAUTHENTICATED');
    await expectIndistinguishable((email) => send(email, WRONG), ['nobody.here@example.com', 'acmeadmin@example.com']);
  });

  it('answers a deactivated account with the right password like a wrong password', async () => {
    await expectIndistinguishable(
      (email) => graphql(email, email === 'inactive@example.com' ? PASSWORD : WRONG),
      ['inactive@example.com', 'eastmanager@example.com'],
    );
  });
});

describe('password reset', () => {
  it.each([
    ['GraphQL', (email: string) => app.graphql(REQUEST_RESET, { email })],
    ['REST', (email: string) => app.request('POST', '/api/v1/users/reset_password', { body: { email } })],
  ])('answers a request for an unknown email like one for an account (%s)', async (_label, send) => {
    await expectIndistinguishable(send, ['nobody.at.all@example.com', 'labmember@example.com']);
  });

  it.each([
    ['GraphQL', (token: string) => app.graphql(RESET, { token, password: NEW_PASSWORD })],
    ['REST', (token: string) => app.request('POST', '/api/v1/users/reset_password', { body: { token, password: NEW_PASSWORD } })],
  ])('answers an unknown token like a used or an expired one (%s)', async (_label, send) => {
    const em = app.orm.em.fork();
    const stored = (token: string, fields: Partial<PasswordResetToken>) =>
      em.create(PasswordResetToken, {
        user: world.users.westMember.id,
        tokenHash: hashOneTimeToken(token),
        expiresAt: new Date(Date.now() + 3_600_000),
        createdAt: new Date(),
        ...fields,
      });
    const [used, expired] = [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')];
    stored(used, { usedAt: new Date() });
    stored(expired, { expiresAt: new Date(Date.now() - 1000) });
    await em.flush();
    const unknown = randomBytes(32).toString('base64url');
    expect(visible(await send(unknown))).toEqual(visible(await send(expired)));
    await expectIndistinguishable(send, [unknown, used]);
  });
});

describe('invitation acceptance', () => {
  it.each([
    ['GraphQL', 'acme', 'acmeEast'],
    ['REST', 'acmeEast', 'acmeEastLab'],
  ] as const)(
    'answers the invitation of a deactivated account like a wrong password for an active one (%s)',
    async (transport, activeInto, inactiveInto) => {
      const invitations = invitationHelpers(app, world);
      const invite = (email: string, company: keyof World['companies']) =>
        invitations.invite('acmeAdmin', { email, companyId: String(world.companies[company]) });
      const active = await invite('westmember@example.com', activeInto);
      const inactive = await invite('inactive@example.com', inactiveInto);
      const send = (token: string) => {
        const password = token === inactive.token ? PASSWORD : WRONG;
        return transport === 'GraphQL'
          ? invitations.accept(token, { password })
          : app.request('POST', '/api/v1/invitations/accept', { body: { token, first_name: 'I', last_name: 'V', password } });
      };
      const refused = await send(active.token);
      expect(refused.body.errors?.[0]?.extensions?.code ?? refused.body.error?.code).toBe('UNAUTHENTICATED');
      await expectIndistinguishable(send, [active.token, inactive.token]);
    },
  );

  it('answers the invitation of a deactivated account that never had a password like a wrong password', async () => {
    const em = app.orm.em.fork();
    em.create(User, { email: 'never.set@example.com', firstName: 'N', lastName: 'S', status: UserStatus.INACTIVE });
    await em.flush();
    const invitations = invitationHelpers(app, world);
    const invite = (email: string) => invitations.invite('acmeAdmin', { email, companyId: String(world.companies.acmeEastLab) });
    const [active, passwordless] = [await invite('westmember@example.com'), await invite('never.set@example.com')];
    await expectIndistinguishable((token) => invitations.accept(token, { password: WRONG }), [active.token, passwordless.token]);
  });
});
