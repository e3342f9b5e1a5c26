import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { PASSWORD } from './helpers/fixtures';
import { copyTemplatePgdata } from './helpers/prepared-database';
import { startTestApp, type HttpResult, type TestApp } from './helpers/test-app';
import { createTestDatabase, serverUrl, type TestDatabase } from './helpers/test-database';
import { whileUsersLocked } from './helpers/table-lock';
import { TcpProxy } from './helpers/tcp-proxy';
import { SET_UP_TIMEOUT_MS } from './helpers/setup';

const ADMIN = { email: 'ops@example.com', password: PASSWORD };
/** What a leaked database error would carry; none of it may reach a client. */
const LEAK = /\b(select|insert|update|delete)\b.*\b(from|into|set)\b|knex|postgres|ECONN|57P0|stack/i;
const RECOVERY_LIMIT_MS = 5_000;

function expectUnavailable(response: HttpResult) {
  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toBe('5');
  expect(JSON.stringify(response.body)).not.toMatch(LEAK);
}

describe('when the database cannot be reached', () => {
  let database: TestDatabase | EmbeddedPostgres;
  let pgliteDir: string | undefined;
  let proxy: TcpProxy;
  let app: TestApp;
  let token: string;

  beforeAll(async () => {
    // The app's database sits behind a proxy the test can cut: a database of its own on the
    // server (CI), or an embedded PGlite served on a port, used like a server with one connection.
    if (serverUrl) {
      database = await createTestDatabase();
    } else {
      pgliteDir = mkdtempSync(join(tmpdir(), 'outage-pglite-'));
      copyTemplatePgdata(pgliteDir);
      database = await startEmbeddedPostgres(pgliteDir);
    }
    proxy = await TcpProxy.start(database.url!);
    app = await startTestApp(
      {
        DB_POOL_MAX: serverUrl ? '4' : '1',
        // PGlite's socket accepts three connections: the pool's, the LISTEN and the job queue's.
        JOB_POOL_MAX: serverUrl ? '3' : '1',
        DB_ACQUIRE_TIMEOUT_MS: '1000',
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
      },
      { databaseUrl: proxy.rewrite(database.url!) },
    );
    const login = await app.request('POST', '/api/v1/users/login', { body: ADMIN });
    token = login.body.token;
  }, SET_UP_TIMEOUT_MS);

  afterAll(async () => {
    await app?.close();
    await proxy?.cutOff();
    if (database && 'drop' in database) await database.drop();
    if (database && 'stop' in database) await database.stop();
    if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
  });

  const auth = () => ({ authorization: `Bearer ${token}` });

  it('answers 503 with Retry-After on both transports, reports not ready, and recovers within 5 s', async () => {
    expect((await app.request('GET', '/readyz')).status).toBe(200);
    await proxy.cutOff();

    const probeStart = Date.now();
    const readiness = await app.request('GET', '/readyz');
    expect(Date.now() - probeStart).toBeLessThan(2_500);
    expectUnavailable(readiness);
    expect(readiness.body).toEqual({ status: 'unavailable', reason: 'database_unavailable' });

    const restRead = await app.request('GET', '/api/v1/users', { headers: auth() });
    expectUnavailable(restRead);
    expect(restRead.body).toEqual({ error: { code: 'SERVICE_UNAVAILABLE', message: expect.any(String) } });

    const restWrite = await app.request('POST', '/api/v1/users', {
      headers: auth(),
      body: { first_name: 'Down', last_name: 'Time', email: 'during-outage@example.com', company_id: 1, access_id: 1 },
    });
    expectUnavailable(restWrite);
    expect(restWrite.body.error.code).toBe('SERVICE_UNAVAILABLE');

    // Authenticated: the viewer's lookup fails while the request context is built.
    const viewerQuery = await app.request('POST', '/graphql', {
      headers: auth(),
      body: { query: '{ users(first: 1) { totalCount } }' },
    });
    expectUnavailable(viewerQuery);
    expect(viewerQuery.body.errors[0]).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: 5 } });

    // Anonymous and public: the resolver fails, and the plugin turns the answer into a 503.
    const publicQuery = await app.request('POST', '/graphql', { body: { query: '{ currentLegalTerm { id } }' } });
    expectUnavailable(publicQuery);
    expect(publicQuery.body.data).toEqual({ currentLegalTerm: null });
    expect(publicQuery.body.errors[0]).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: 5 } });

    await proxy.restore();
    const backAt = Date.now();
    let served: HttpResult | undefined;
    while (Date.now() - backAt < RECOVERY_LIMIT_MS) {
      served = await app.request('GET', '/api/v1/users', { headers: auth() });
      if (served.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(served?.status).toBe(200);
    expect((await app.request('GET', '/readyz')).status).toBe(200);
    // The login's rate limiter runs named prepared statements: they work on the new connection too.
    expect((await app.request('POST', '/api/v1/users/login', { body: ADMIN })).status).toBe(200);
    const [{ count }] = await app.orm.em
      .getConnection()
      .execute(`select count(*)::int as count from users where email = 'during-outage@example.com'`);
    expect(count).toBe(0);
  }, 30_000);
});

(serverUrl ? describe : describe.skip)('the statement timeout (PostgreSQL server)', () => {
  let app: TestApp;
  let token: string;

  beforeAll(async () => {
    app = await startTestApp({ DB_STATEMENT_TIMEOUT_MS: '400', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
    token = (await app.request('POST', '/api/v1/users/login', { body: ADMIN })).body.token;
  }, SET_UP_TIMEOUT_MS);

  afterAll(() => app?.close());

  it('holds for every connection of the pool', async () => {
    const [{ statement_timeout }] = await app.orm.em.getConnection().execute('show statement_timeout');
    expect(statement_timeout).toBe('400ms');
  });

  it('cancels a statement stuck behind a lock and answers 503, without SQL', async () => {
    await whileUsersLocked(app.config.databaseUrl!, async () => {
      const started = Date.now();
      const rest = await app.request('GET', '/api/v1/users', { headers: { authorization: `Bearer ${token}` } });
      expect(Date.now() - started).toBeLessThan(3_000);
      expectUnavailable(rest);
      expect(rest.body.error).toEqual({
        code: 'SERVICE_UNAVAILABLE',
        message: 'the database took too long to answer, retry shortly',
      });

      const graphql = await app.request('POST', '/graphql', {
        headers: { authorization: `Bearer ${token}` },
        body: { query: '{ users(first: 1) { totalCount } }' },
      });
      expectUnavailable(graphql);
      expect(graphql.body.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
      // Other tables still answer.
      const unaffected = await app.request('POST', '/graphql', { body: { query: '{ currentLegalTerm { id } }' } });
      expect(unaffected.status).toBe(200);
    });
    // Once the lock goes, the table answers again.
    expect((await app.request('GET', '/api/v1/users', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });
});
