import { Client } from 'pg';
import { performanceTrickOn } from '../src/config';
import { BENCH_QUERY, LOGIN, ME } from './helpers/documents';
import { buildWorld, PASSWORD, type World } from './helpers/fixtures';
import { waitForImport } from './helpers/imports';
import { subscribe } from './helpers/live';
import { type PgBouncer, pgbouncerInstalled, startPgBouncer } from './helpers/pgbouncer';
import { startTestApp, type TestApp } from './helpers/test-app';
import { whileUsersLocked } from './helpers/table-lock';
import { createTestDatabase, serverUrl, type TestDatabase } from './helpers/test-database';
import { base64Of } from './helpers/uploads';
import { pollUntil } from './helpers/wait';
import { SET_UP_TIMEOUT_MS } from './helpers/setup';

// The statement mode is process-wide, read from the environment as PERFORMANCE_TRICKS_OFF is (jest
// gives each file a copy of it): what `DATABASE_PREPARED_STATEMENTS=false npm start` does.
process.env.DATABASE_PREPARED_STATEMENTS = 'false';

const STATEMENT_TIMEOUT_MS = 1500;
const PER_ACCOUNT = 3;
const CREATE_USER = 'mutation($input: CreateUserInput!) { createUser(input: $input) { id email } }';
const UPDATE_USER = 'mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id lastName } }';
const START_IMPORT = 'mutation($c: ID!, $b: Base64FileInput) { startImport(companyId: $c, base64: $b) { id } }';
const IMPORT = 'query($id: ID!) { importFile(id: $id) { status createdCount failedCount } }';
const EVENTS = 'subscription($c: ID!) { events(companyId: $c) { type payload } }';

/**
 * The gateway behind a real PgBouncer in transaction mode (Debian's 1.18: no named prepared
 * statements there), with 3 server connections shared by every client connection: DATABASE_URL
 * through the pooler, DATABASE_DIRECT_URL to the server for what needs a session.
 */
(serverUrl && pgbouncerInstalled ? describe : describe.skip)('behind PgBouncer in transaction mode', () => {
  let database: TestDatabase | undefined;
  let bouncer: PgBouncer | undefined;
  let app: TestApp;
  let world: World;
  const admin = { email: 'ops@example.com', password: 'a long enough admin password' };

  beforeAll(async () => {
    // Empty: the first start migrates it over the direct connection and creates pg-boss's schema through the pooler.
    database = await createTestDatabase({ empty: true });
    bouncer = await startPgBouncer(database.url!, { poolSize: 3 });
    app = await startTestApp(
      {
        DATABASE_DIRECT_URL: database.url!,
        DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
        RATE_LIMIT_PER_ACCOUNT: String(PER_ACCOUNT),
        IMPORT_BATCH_SIZE: '2',
        JOB_POLL_SECONDS: '0.5',
        ADMIN_EMAIL: admin.email,
        ADMIN_PASSWORD: admin.password,
      },
      { databaseUrl: bouncer.url },
    );
    world = await buildWorld(app);
  }, SET_UP_TIMEOUT_MS);

  afterAll(async () => {
    try {
      await app?.close();
    } finally {
      try {
        await bouncer?.stop();
      } finally {
        await database?.drop();
      }
    }
  });

  const transactions = async () =>
    Number(
      (await bouncer!.admin<{ database: string; total_xact_count: string }>('SHOW STATS')).find(
        (row) => row.database === new URL(database!.url!).pathname.slice(1),
      )?.total_xact_count ?? 0,
    );

  it('sends only unnamed statements, and no start-up parameter the pooler refuses', async () => {
    // PgBouncer 1.18 answers a named statement prepared on another server connection with
    // "prepared statement … does not exist": a burst over 3 server connections passes only unnamed.
    const token = world.token('acmeAdmin');
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        index % 2
          ? app.graphql(BENCH_QUERY, { first: 5 }, token)
          : app.request('GET', '/api/v1/users?per_page=5', { headers: world.headers('acmeAdmin') }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    expect(answers.filter((answer) => answer.body.errors)).toEqual([]);
    const servers = await bouncer!.admin('SHOW SERVERS');
    expect(servers.length).toBeLessThanOrEqual(3);
    // DATABASE_DIRECT_URL set: named statements are off unless DATABASE_PREPARED_STATEMENTS=true.
    expect(app.config.databasePreparedStatements).toBe(false);
    expect(performanceTrickOn('prepared-statements')).toBe(false);
  });

  it('holds DB_STATEMENT_TIMEOUT_MS on the pooled connections, as the role default in the database', async () => {
    const [{ statement_timeout }] = await app.orm.em.getConnection().execute('show statement_timeout');
    expect(statement_timeout).toBe('1500ms');
    const token = world.token('acmeAdmin');
    await whileUsersLocked(database!.url!, async () => {
      const started = Date.now();
      const rest = await app.request('GET', '/api/v1/users', { headers: { authorization: `Bearer ${token}` } });
      expect(Date.now() - started).toBeLessThan(STATEMENT_TIMEOUT_MS + 2_000);
      expect(rest.status).toBe(503);
      expect(rest.body.error.code).toBe('SERVICE_UNAVAILABLE');
    });
  });

  it('logs in on both transports and answers a nested query and a REST list', async () => {
    const rest = await app.request('POST', '/api/v1/users/login', { body: admin });
    expect(rest.status).toBe(200);
    const graphql = await app.graphql(LOGIN, { email: world.users.acmeAdmin.email, password: PASSWORD });
    expect(graphql.body.errors).toBeUndefined();
    expect((await app.graphql(ME, {}, rest.body.token)).body.data.me.email).toBe(admin.email);

    const nested = await app.graphql(BENCH_QUERY, { first: 10 }, graphql.body.data.login.token);
    expect(nested.body.errors).toBeUndefined();
    expect(nested.body.data.users.edges[0].node.primaryCompany).toEqual(expect.objectContaining({ name: expect.any(String) }));
    const list = await app.request('GET', '/api/v1/users?per_page=100', { headers: world.headers('acmeAdmin') });
    expect(list.status).toBe(200);
    expect(list.body.users.length).toBeGreaterThan(1);
  });

  it('creates and updates on both transports', async () => {
    const created = await app.graphql(
      CREATE_USER,
      {
        input: {
          firstName: 'Pooled',
          lastName: 'Person',
          email: 'pooled.graphql@example.com',
          password: 'another long enough password',
          companyId: String(world.companies.acmeEast),
          accessId: String(world.accessIds.member),
        },
      },
      world.token('acmeAdmin'),
    );
    expect(created.body.errors).toBeUndefined();
    const updated = await app.graphql(
      UPDATE_USER,
      { id: created.body.data.createUser.id, input: { lastName: 'Renamed' } },
      world.token('acmeAdmin'),
    );
    expect(updated.body.data.updateUser.lastName).toBe('Renamed');

    const headers = world.headers('acmeAdmin');
    const body = {
      first_name: 'Pooled',
      last_name: 'Rest',
      email: 'pooled.rest@example.com',
      company_id: world.companies.acmeEast,
      access_id: world.accessIds.member,
    };
    const restCreated = await app.request('POST', '/api/v1/users', { body, headers });
    expect(restCreated.status).toBe(201);
    const restUpdated = await app.request('PUT', `/api/v1/users/${restCreated.body.user.id}`, {
      body: { last_name: 'Renamed' },
      headers,
    });
    expect(restUpdated.status).toBe(200);
    expect(restUpdated.body.user.last_name).toBe('Renamed');
  });

  it('runs a CSV import to completion on the job queue, batch by batch', async () => {
    const rows = Array.from({ length: 5 }, (_, index) => `pooled.import${index}@example.com,Imported,Row${index},member`);
    const csv = Buffer.from(`email,first_name,last_name,access\n${rows.join('\n')}\n`);
    const started = await app.graphql(
      START_IMPORT,
      { c: String(world.companies.acme), b: base64Of(csv, 'users.csv', 'text/csv') },
      world.token('acmeAdmin'),
    );
    expect(started.body.errors).toBeUndefined();
    const id = started.body.data.startImport.id;
    expect(await waitForImport(app, id)).toBe('completed');
    const { body } = await app.graphql(IMPORT, { id }, world.token('acmeAdmin'));
    expect(body.data.importFile).toEqual({ status: 'COMPLETED', createdCount: 5, failedCount: 0 });
  });

  it('trips the login rate limit (429 RATE_LIMITED) on both transports', async () => {
    const wrong = { email: 'pooled.limit@example.com', password: 'not the password' };
    for (let attempt = 0; attempt < PER_ACCOUNT; attempt += 1) {
      expect((await app.request('POST', '/api/v1/users/login', { body: wrong })).status).toBe(401);
    }
    const rest = await app.request('POST', '/api/v1/users/login', { body: wrong });
    expect(rest.status).toBe(429);
    expect(rest.body.error.code).toBe('RATE_LIMITED');
    const graphql = await app.graphql(LOGIN, wrong);
    expect(graphql.status).toBe(429);
    expect(graphql.body.errors[0].extensions.code).toBe('RATE_LIMITED');
  });

  it('delivers committed events to a subscription: LISTEN runs on the direct connection', async () => {
    const live = subscribe(app, 'ws', EVENTS, { c: String(world.companies.acme) }, world.token('acmeAdmin'));
    try {
      // The LISTEN backend is a session of its own on the server, not one of the pooler's.
      const listening = await pollUntil(async () => {
        const { rows } = await adminQuery(
          `select pid from pg_stat_activity where datname = current_database() and query ilike 'listen %'`,
        );
        return rows.length ? rows.map((row) => String(row.pid)) : undefined;
      }, 'the LISTEN connection');
      const pooled = (await bouncer!.admin<{ remote_pid: string }>('SHOW SERVERS')).map((server) => server.remote_pid);
      expect(pooled.length).toBeGreaterThan(0);
      expect(listening.filter((pid) => pooled.includes(pid))).toEqual([]);
      // Both the subscription (events) and the job queue (jobs) channels ride on that one connection.
      for (const lastName of ['First', 'Second', 'Third']) {
        const renamed = await app.graphql(
          UPDATE_USER,
          { id: String(world.users.eastMember.id), input: { lastName } },
          world.token('acmeAdmin'),
        );
        expect(renamed.body.errors).toBeUndefined();
      }
      const values = await live.waitForValues(3);
      expect(values.map((value) => [value.type, value.payload.lastName])).toEqual([
        ['user.updated', 'First'],
        ['user.updated', 'Second'],
        ['user.updated', 'Third'],
      ]);
    } finally {
      live.stop();
    }
  });

  it('sent the statements through the pooler', async () => {
    const before = await transactions();
    await app.graphql(ME, {}, world.token('acmeAdmin'));
    expect(before).toBeGreaterThan(100);
    expect(await transactions()).toBeGreaterThan(before);
  });

  /** A statement on the server itself, beside the pooler. */
  async function adminQuery(sql: string) {
    const client = new Client({ connectionString: database!.url });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  }
});
