import { randomBytes } from 'node:crypto';
import { sessionToken } from '../helpers/sessions';
import { User } from '../../src/modules/user/user.entity';
import { emailKey } from '../../src/shared/rate-limit/attempt-limiter';
import { ExpiredCountsSweep } from '../../src/shared/rate-limit/postgres-counters';
import { buildWorld, PASSWORD } from '../helpers/fixtures';
import { ACCEPT_INVITATION, invitationHelpers } from '../helpers/invitations';
import { mailsTo, waitForMails } from '../helpers/outbox';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { serverUrl } from '../helpers/test-database';
import { withOneDatabase } from '../helpers/one-database';
import { addUser } from '../helpers/users';
import { expectGraphqlLimited, expectRestLimited } from './security-helpers';
import { useTestWorld } from '../helpers/setup';
import { LOGIN } from '../helpers/documents';

/** Small limits, so that each case reaches them in a few requests. */
const LIMITS = {
  RATE_LIMIT_PER_ACCOUNT: '3',
  RATE_LIMIT_ACCOUNT_CEILING: '5',
  RATE_LIMIT_PER_ADDRESS: '8',
  RATE_LIMIT_WINDOW_SECONDS: '600',
};
const WRONG = 'not the password at all';
const UPDATE_PASSWORD = `mutation($id: ID!, $password: String!, $currentPassword: String!) {
  updateUser(id: $id, input: { password: $password, currentPassword: $currentPassword }) { id }
}`;
const NEW_PASSWORD = 'a new passphrase 123';

let addressSerial = 0;
/** Each case comes from its own client address (the app trusts X-Forwarded-For from loopback), so address counts do not mix. */
const newClient = () => ({ 'x-forwarded-for': `10.20.0.${++addressSerial}` });

const graphqlFrom = (app: TestApp, client: Record<string, string>, query: string, variables: Record<string, unknown>) =>
  app.request('POST', '/graphql', { body: { query, variables }, headers: client });
const restFrom = (app: TestApp, client: Record<string, string>, path: string, body: unknown) =>
  app.request('POST', `/api/v1${path}`, { body, headers: client });
const login = (app: TestApp, client: Record<string, string>, email: string, password: string) =>
  graphqlFrom(app, client, LOGIN, { email, password });

const countersOf = async (app: TestApp, key: string) =>
  (await app.orm.em.getConnection().execute('select points, expire from rate_limits where key = ?', [key])) as {
    points: number;
    expire: string;
  }[];
/** The keys of login's counters: an email from one address, an email from anywhere (the ceiling), an address. */
const loginPair = (email: string, address: string) => `login:pair:${emailKey(email)}:${address}`;
const loginCeiling = (email: string) => `login:account:${emailKey(email)}`;
const loginAddress = (address: string) => `login:address:${address}`;
const pointsOf = async (app: TestApp, key: string) => (await countersOf(app, key))[0]?.points ?? 0;

describe('rate limits on login, password reset and invitation acceptance', () => {
  const { app, world } = useTestWorld(LIMITS);

  it('refuses a 4th failed login for one email from one address with 429 + Retry-After, even with the right password', async () => {
    const client = newClient();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await login(app, client, 'acmeadmin@example.com', WRONG)).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    expectGraphqlLimited(await login(app, client, 'acmeadmin@example.com', WRONG));
    expectGraphqlLimited(await login(app, client, 'AcmeAdmin@Example.com', PASSWORD));
    // The counter is a row in PostgreSQL, keyed by a hash of the email and the address.
    const [counter] = await countersOf(app, loginPair('acmeadmin@example.com', client['x-forwarded-for']));
    expect(counter.points).toBe(5);
    expect(Number(counter.expire)).toBeGreaterThan(Date.now());
  });

  it('lets the owner sign in from another address while one address floods the account with wrong passwords', async () => {
    const { email } = await addUser(app, [[world.companies.acme, 'member']]);
    const flooder = newClient();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await login(app, flooder, email, WRONG)).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    expectGraphqlLimited(await login(app, flooder, email, WRONG));
    expect((await login(app, newClient(), email, PASSWORD)).body.data.login.token).toEqual(expect.any(String));
    const owner = await restFrom(app, newClient(), '/users/login', { email, password: PASSWORD });
    expect(owner.status).toBe(200);
    // The ceiling counts the 3 failures; the refused attempt and the successes took their points back.
    expect(await pointsOf(app, loginCeiling(email))).toBe(3);
  });

  it('stops failures spread over many addresses at the ceiling of the account (RATE_LIMIT_ACCOUNT_CEILING=5)', async () => {
    const { email } = await addUser(app, [[world.companies.acme, 'member']]);
    const [first, second] = [newClient(), newClient()];
    for (let attempt = 0; attempt < 3; attempt += 1) await login(app, first, email, WRONG);
    for (let attempt = 0; attempt < 2; attempt += 1) await login(app, second, email, WRONG);
    const third = newClient();
    expectGraphqlLimited(await login(app, third, email, PASSWORD));
    expectRestLimited(await restFrom(app, newClient(), '/users/login', { email, password: PASSWORD }));
    expect(await pointsOf(app, loginPair(email, second['x-forwarded-for']))).toBe(2);
    // Refused by the ceiling alone: the address and the pair were not charged.
    expect(await pointsOf(app, loginPair(email, third['x-forwarded-for']))).toBe(0);
    expect(await pointsOf(app, loginAddress(third['x-forwarded-for']))).toBe(0);
  });

  it('keeps counting when the pool replaces its connection (the embedded database keeps one session for all)', async () => {
    const client = newClient();
    expect((await login(app, client, 'superadmin@example.com', WRONG)).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const pool = app.orm.em.getConnection().getKnex().client;
    const connection = await pool.acquireConnection();
    await connection.end();
    await pool.releaseConnection(connection);
    expect((await login(app, client, 'superadmin@example.com', WRONG)).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const [counter] = await countersOf(app, `login:account:${emailKey('superadmin@example.com')}`);
    expect(counter.points).toBe(2);
  });

  it('forgets the failures of an email after a successful login', async () => {
    const client = newClient();
    for (let attempt = 0; attempt < 2; attempt += 1) await login(app, client, 'eastmanager@example.com', WRONG);
    expect((await login(app, client, 'eastmanager@example.com', PASSWORD)).body.data.login.token).toBeTruthy();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await login(app, client, 'eastmanager@example.com', WRONG)).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    expectGraphqlLimited(await login(app, client, 'eastmanager@example.com', WRONG));
  });

  it('refuses a client address after 8 attempts on any emails (REST login: 429, Retry-After)', async () => {
    const client = newClient();
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const result = await restFrom(app, client, '/users/login', { email: `nobody${attempt}@example.com`, password: WRONG });
      expect(result.status).toBe(401);
    }
    expectRestLimited(await restFrom(app, client, '/users/login', { email: 'labmember@example.com', password: PASSWORD }));
    // The refused attempt was not charged to the account it aimed at.
    expect(await pointsOf(app, loginCeiling('labmember@example.com'))).toBe(0);
    expect(await pointsOf(app, loginPair('labmember@example.com', client['x-forwarded-for']))).toBe(0);
    // Another client is not affected.
    expect(
      (await restFrom(app, newClient(), '/users/login', { email: 'labmember@example.com', password: PASSWORD })).status,
    ).toBe(200);
  });

  it('counts IPv6 clients per /64, and IPv4-mapped IPv6 clients as their IPv4 address', async () => {
    const network = `2001:db8:${++addressSerial}:7`;
    const host = (suffix: string) => ({ 'x-forwarded-for': `${network}:${suffix}` });
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const result = await login(app, host(`${attempt}::1`), `nobody${attempt}@example.com`, WRONG);
      expect(result.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    expectGraphqlLimited(await login(app, host('ffff:ffff:ffff:ffff'), 'labmember@example.com', PASSWORD));
    expect(await pointsOf(app, loginAddress(`${network}::/64`))).toBe(9);
    // The next /64 is another client.
    const next = { 'x-forwarded-for': `2001:db8:${addressSerial}:8::1` };
    expect((await login(app, next, 'labmember@example.com', PASSWORD)).body.data.login.token).toEqual(expect.any(String));

    const mapped = `10.21.0.${++addressSerial}`;
    await login(app, { 'x-forwarded-for': `::ffff:${mapped}` }, 'nobody@example.com', WRONG);
    await login(app, { 'x-forwarded-for': mapped }, 'nobody@example.com', WRONG);
    expect(await pointsOf(app, loginAddress(mapped))).toBe(2);
  });

  it('counts the forwarded address of a trusted (loopback) proxy: two forwarded clients, two counters', async () => {
    const [first, second] = [newClient(), newClient()];
    await login(app, first, 'nobody@example.com', WRONG);
    await login(app, second, 'nobody@example.com', WRONG);
    expect(await pointsOf(app, loginAddress(first['x-forwarded-for']))).toBe(1);
    expect(await pointsOf(app, loginAddress(second['x-forwarded-for']))).toBe(1);
    expect(await pointsOf(app, loginAddress('127.0.0.1'))).toBe(0);
  });

  it('counts a wrong current password in updateUser as a failed login of the account, on both transports', async () => {
    const user = await addUser(app, [[world.companies.acme, 'member']]);
    const headers = { ...newClient(), authorization: `Bearer ${await sessionToken(app, user.id)}` };
    const change = (currentPassword: string) =>
      app.request('POST', '/graphql', {
        headers,
        body: { query: UPDATE_PASSWORD, variables: { id: String(user.id), password: NEW_PASSWORD, currentPassword } },
      });
    const restChange = (currentPassword: string) =>
      app.request('PUT', `/api/v1/users/${user.id}`, {
        headers,
        body: { password: NEW_PASSWORD, current_password: currentPassword },
      });
    expect((await change(WRONG)).body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await restChange(WRONG)).status).toBe(400);
    expect((await login(app, headers, user.email, WRONG)).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expectRestLimited(await restChange(WRONG));
    expectGraphqlLimited(await change(PASSWORD));
    // The same counters as login: the account cannot sign in from this address either, but can from another.
    expectGraphqlLimited(await login(app, headers, user.email, PASSWORD));
    expect((await login(app, newClient(), user.email, PASSWORD)).body.data.login.token).toEqual(expect.any(String));
    expect(await pointsOf(app, loginPair(user.email, headers['x-forwarded-for']))).toBe(6);
    const { passwordHash } = await app.orm.em.fork().findOneOrFail(User, user.id, { populate: ['passwordHash'] });
    expect(passwordHash).toBe(user.passwordHash);
  });

  it('forgets the failures from an address once updateUser gets the right current password there', async () => {
    const user = await addUser(app, [[world.companies.acme, 'member']]);
    const headers = { ...newClient(), authorization: `Bearer ${await sessionToken(app, user.id)}` };
    const change = (currentPassword: string) =>
      app.request('PUT', `/api/v1/users/${user.id}`, {
        headers,
        body: { password: NEW_PASSWORD, current_password: currentPassword },
      });
    expect((await change(WRONG)).status).toBe(400);
    expect((await change(WRONG)).status).toBe(400);
    expect(await pointsOf(app, loginPair(user.email, headers['x-forwarded-for']))).toBe(2);
    expect((await change(PASSWORD)).status).toBe(200);
    expect(await pointsOf(app, loginPair(user.email, headers['x-forwarded-for']))).toBe(0);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await login(app, headers, user.email, WRONG)).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    expectGraphqlLimited(await login(app, headers, user.email, NEW_PASSWORD));
  });

  it('limits reset requests per email on both transports, and mails only the accepted ones', async () => {
    const client = newClient();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await restFrom(app, client, '/users/reset_password', { email: 'westmember@example.com' })).status).toBe(202);
    }
    expectRestLimited(await restFrom(app, client, '/users/reset_password', { email: 'westmember@example.com' }));
    const request = 'mutation($email: String!) { requestPasswordReset(email: $email) }';
    expectGraphqlLimited(await graphqlFrom(app, newClient(), request, { email: 'WestMember@example.com' }));
    await waitForMails(app.dataDir, 'westmember@example.com', 3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await mailsTo(app, 'westmember@example.com')).toHaveLength(3);
  });

  it('limits password reset tokens per token and per client address', async () => {
    const reset = 'mutation($token: String!) { resetPassword(token: $token, password: "a new passphrase 123") { id } }';
    const guessed = randomBytes(32).toString('base64url');
    const client = newClient();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await graphqlFrom(app, client, reset, { token: guessed })).body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    expectGraphqlLimited(await graphqlFrom(app, newClient(), reset, { token: guessed }));

    const guesser = newClient();
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const body = { token: randomBytes(32).toString('base64url'), password: 'a new passphrase 123' };
      expect((await restFrom(app, guesser, '/users/reset_password', body)).status).toBe(400);
    }
    expectRestLimited(
      await restFrom(app, guesser, '/users/reset_password', { token: guessed.slice(1), password: 'a new passphrase 123' }),
    );
  });

  it('limits invitation acceptance per invitation token: wrong passwords of an existing account, then 429', async () => {
    const invitations = invitationHelpers(app, world);
    const { invitation, token } = await invitations.invite('acmeAdmin', { email: 'globexadmin@example.com' });
    const accept = (client: Record<string, string>, password: string) =>
      restFrom(app, client, '/invitations/accept', { token, first_name: 'G', last_name: 'A', password });
    const client = newClient();
    for (let attempt = 0; attempt < 3; attempt += 1) expect((await accept(client, WRONG)).status).toBe(401);
    expectRestLimited(await accept(newClient(), PASSWORD));
    const graphql = await graphqlFrom(app, newClient(), ACCEPT_INVITATION, {
      input: { token, firstName: 'G', lastName: 'A', password: PASSWORD },
    });
    expectGraphqlLimited(graphql);
    expect((await invitations.row(invitation.id)).status).toBe('pending');
  });

  it('sweeps the counts that expired over an hour ago, and no others', async () => {
    const connection = app.orm.em.getConnection();
    const hourAgo = Date.now() - 60 * 60_000;
    const keys = { long: `sweep:${randomBytes(4).toString('hex')}`, recent: `sweep:${randomBytes(4).toString('hex')}` };
    await connection.execute('insert into rate_limits (key, points, expire) values (?, 1, ?), (?, 1, ?)', [
      keys.long,
      hourAgo - 1_000,
      keys.recent,
      hourAgo + 60_000,
    ]);
    await new ExpiredCountsSweep(connection.getKnex()).sweep();
    expect(await countersOf(app, keys.long)).toEqual([]);
    expect(await pointsOf(app, keys.recent)).toBe(1);
  });
});

describe('one limit for every gateway process on the database', () => {
  const attempt = (app: TestApp, password: string) =>
    login(app, { 'x-forwarded-for': '10.30.0.1' }, 'acmeadmin@example.com', password);
  const failedCode = async (app: TestApp) => (await attempt(app, WRONG)).body.errors[0].extensions.code;

  it(
    serverUrl
      ? 'counts the attempts made through two apps running on one PostgreSQL database together'
      : 'keeps the counts in the embedded database: an app started again on it still refuses',
    () =>
      withOneDatabase(LIMITS, async (database) => {
        const first = await database.start();
        await buildWorld(first);
        let last: TestApp;
        if (database.onServer) {
          const second = await database.start();
          expect(await failedCode(first)).toBe('UNAUTHENTICATED');
          expect(await failedCode(second)).toBe('UNAUTHENTICATED');
          expect(await failedCode(first)).toBe('UNAUTHENTICATED');
          last = second;
        } else {
          for (let count = 0; count < 3; count += 1) expect(await failedCode(first)).toBe('UNAUTHENTICATED');
          await database.stop(first);
          last = await database.start();
        }
        expectGraphqlLimited(await attempt(last, PASSWORD));
        expect(await pointsOf(last, loginPair('acmeadmin@example.com', '10.30.0.1'))).toBe(4);
      }),
    60_000,
  );
});

describe('the client address the limits count, behind proxies (TRUST_PROXY)', () => {
  it.each([
    ['0: no proxy is trusted', '0', ['10.40.0.1', '10.40.0.2'], { '127.0.0.1': 2, '10.40.0.1': 0 }],
    ['a list without loopback', '10.0.0.0/8,fd00::/8', ['10.40.0.1', '10.40.0.2'], { '127.0.0.1': 2, '10.40.0.1': 0 }],
    [
      'loopback and a range of proxies',
      '127.0.0.1,10.9.0.0/16',
      ['203.0.113.9, 10.9.0.5', '203.0.113.9, 10.10.0.5, 10.9.0.6'],
      { '203.0.113.9': 1, '10.10.0.5': 1, '127.0.0.1': 0 },
    ],
    ['2 hops', '2', ['198.51.100.1, 198.51.100.2, 198.51.100.3'], { '198.51.100.2': 1, '198.51.100.3': 0 }],
  ])('TRUST_PROXY=%s', async (_label, trustProxy, forwardedFor, expected) => {
    const app = await startTestApp({ ...LIMITS, TRUST_PROXY: trustProxy });
    try {
      for (const header of forwardedFor) {
        const result = await login(app, { 'x-forwarded-for': header }, 'nobody@example.com', WRONG);
        expect(result.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      }
      for (const [address, points] of Object.entries(expected))
        expect([address, await pointsOf(app, loginAddress(address))]).toEqual([address, points]);
    } finally {
      await app.close();
    }
  });
});
