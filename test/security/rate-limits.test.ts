import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emailKey } from '../../src/shared/rate-limit/attempt-limiter';
import { buildWorld, PASSWORD, type World } from '../helpers/fixtures';
import { ACCEPT_INVITATION, invitationHelpers } from '../helpers/invitations';
import { mailsTo, waitForMails } from '../helpers/outbox';
import { type HttpResult, startTestApp, type TestApp } from '../helpers/test-app';
import { createTestDatabase, serverUrl } from '../helpers/test-database';

/** Small limits, so that each case reaches them in a few requests. */
const LIMITS = { RATE_LIMIT_PER_ACCOUNT: '3', RATE_LIMIT_PER_ADDRESS: '8', RATE_LIMIT_WINDOW_SECONDS: '600' };
const LOGIN = 'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }';
const WRONG = 'not the password at all';

let addressSerial = 0;
/** Each case comes from its own client address (the app trusts X-Forwarded-For from loopback), so address counts do not mix. */
const newClient = () => ({ 'x-forwarded-for': `10.20.0.${++addressSerial}` });

const graphqlFrom = (app: TestApp, client: Record<string, string>, query: string, variables: Record<string, unknown>) =>
  app.request('POST', '/graphql', { body: { query, variables }, headers: client });
const restFrom = (app: TestApp, client: Record<string, string>, path: string, body: unknown) =>
  app.request('POST', `/api/v1${path}`, { body, headers: client });
const login = (app: TestApp, client: Record<string, string>, email: string, password: string) =>
  graphqlFrom(app, client, LOGIN, { email, password });

function expectGraphqlLimited(result: HttpResult): void {
  expect(result.status).toBe(429);
  expect(result.body.data).toBeNull();
  const { code, retryAfter } = result.body.errors[0].extensions;
  expect(code).toBe('RATE_LIMITED');
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(600);
  expect(result.headers.get('retry-after')).toBe(String(retryAfter));
}

function expectRestLimited(result: HttpResult): void {
  expect(result.status).toBe(429);
  expect(result.body.error.code).toBe('RATE_LIMITED');
  expect(Number(result.headers.get('retry-after'))).toBeGreaterThan(0);
}

const countersOf = async (app: TestApp, key: string) =>
  (await app.orm.em.getConnection().execute('select points, expire from rate_limits where key = ?', [key])) as {
    points: number;
    expire: string;
  }[];

describe('rate limits on login, password reset and invitation acceptance', () => {
  let app: TestApp;
  let world: World;

  beforeAll(async () => {
    app = await startTestApp(LIMITS);
    world = await buildWorld(app);
  });
  afterAll(() => app.close());

  it('refuses a 4th failed login for one email with 429 + Retry-After, even with the right password and from elsewhere', async () => {
    const client = newClient();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await login(app, client, 'acmeadmin@example.com', WRONG)).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    expectGraphqlLimited(await login(app, client, 'acmeadmin@example.com', WRONG));
    expectGraphqlLimited(await login(app, client, 'AcmeAdmin@Example.com', PASSWORD));
    expectGraphqlLimited(await login(app, newClient(), 'acmeadmin@example.com', PASSWORD));
    // The counter is a row in PostgreSQL, keyed by a hash of the email (no address is stored).
    const [counter] = await countersOf(app, `login:account:${emailKey('acmeadmin@example.com')}`);
    expect(counter.points).toBe(6);
    expect(Number(counter.expire)).toBeGreaterThan(Date.now());
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
    expect((await countersOf(app, `login:account:${emailKey('labmember@example.com')}`))[0].points).toBe(0);
    // Another client is not affected.
    expect(
      (await restFrom(app, newClient(), '/users/login', { email: 'labmember@example.com', password: PASSWORD })).status,
    ).toBe(200);
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
    expect(mailsTo(app.dataDir, 'westmember@example.com')).toHaveLength(3);
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
    const invitations = await invitationHelpers(app, world);
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
});

describe('one limit for every gateway process on the database', () => {
  const attempt = (app: TestApp, password: string) =>
    login(app, { 'x-forwarded-for': '10.30.0.1' }, 'acmeadmin@example.com', password);
  const failedCode = async (app: TestApp) => (await attempt(app, WRONG)).body.errors[0].extensions.code;

  it(
    serverUrl
      ? 'counts the attempts made through two apps running on one PostgreSQL database together'
      : 'keeps the counts in the embedded database: an app started again on it still refuses',
    async () => {
      const shared = await createTestDatabase();
      const dataDir = mkdtempSync(join(tmpdir(), 'rate-limits-'));
      const options = shared.url ? { databaseUrl: shared.url } : { dataDir, embedded: true };
      const opened: TestApp[] = [];
      const start = async () => opened[opened.push(await startTestApp(LIMITS, options)) - 1];
      try {
        const first = await start();
        await buildWorld(first);
        let last: TestApp;
        if (shared.url) {
          const second = await start();
          expect(await failedCode(first)).toBe('UNAUTHENTICATED');
          expect(await failedCode(second)).toBe('UNAUTHENTICATED');
          expect(await failedCode(first)).toBe('UNAUTHENTICATED');
          last = second;
        } else {
          for (let count = 0; count < 3; count += 1) expect(await failedCode(first)).toBe('UNAUTHENTICATED');
          await opened.pop()!.close();
          last = await start();
        }
        expectGraphqlLimited(await attempt(last, PASSWORD));
        const [counter] = await countersOf(last, `login:account:${emailKey('acmeadmin@example.com')}`);
        expect(counter.points).toBe(4);
      } finally {
        for (const app of opened) await app.close();
        await shared.drop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
