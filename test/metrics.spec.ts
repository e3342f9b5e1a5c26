import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../src/config';
import { MAIL_QUEUE } from '../src/modules/mail/mail-queue';
import { queryPrepared } from '../src/db/prepared-statements';
import { ConcurrencyLimit } from '../src/shared/concurrency-limit';
import { listenForMetrics } from '../src/shared/metrics/metrics-endpoint';
import { OperationNameLabels } from '../src/shared/metrics/operation-names';
import { buildWorld, PASSWORD, type World } from './helpers/fixtures';
import { login } from './helpers/documents';
import { startTestApp, type TestApp, testConfig } from './helpers/test-app';
import { pollUntil } from './helpers/wait';
import { SET_UP_TIMEOUT_MS } from './helpers/setup';

const PROMTOOL = '/usr/bin/promtool';

/** The value of the first sample of `name` whose labels include `labels`; undefined when there is none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => have[key] === value)) return Number(match[3]);
  }
  return undefined;
}

/** Every value the label `label` takes in `text`. */
function labelValues(text: string, label: string): Set<string> {
  return new Set([...text.matchAll(new RegExp(`[{,]${label}="((?:[^"\\\\]|\\\\.)*)"`, 'g'))].map((m) => m[1]));
}

describe('metrics', () => {
  let app: TestApp;
  let world: World;
  let metricsServer: Server;
  let metricsUrl: string;
  const scrape = async () => {
    const response = await fetch(`${metricsUrl}/metrics`);
    expect(response.status).toBe(200);
    return response.text();
  };

  beforeAll(async () => {
    // A cap of 3 unknown operation names, and a login refused at the second failure of an email.
    app = await startTestApp({ METRICS_OPERATION_NAMES: '3', RATE_LIMIT_PER_ACCOUNT: '1' });
    world = await buildWorld(app);
    // As main.ts serves it on METRICS_PORT (here any free loopback port).
    metricsServer = await listenForMetrics(app.metrics, '127.0.0.1', 0);
    metricsUrl = `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}`;
  }, SET_UP_TIMEOUT_MS);
  afterAll(async () => {
    await new Promise((resolve) => metricsServer?.close(resolve));
    await app?.close();
  });

  it('serves only /metrics on its port, in the Prometheus text format, and nothing on the public port', async () => {
    const response = await fetch(`${metricsUrl}/metrics`);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect((await fetch(`${metricsUrl}/graphql`)).status).toBe(404);
    expect((await fetch(`${metricsUrl}/metrics`, { method: 'POST' })).status).toBe(404);
    expect((await app.request('GET', '/metrics')).status).toBe(404);
  });

  it('counts HTTP requests by method, route template and status, never by raw path', async () => {
    const before = await scrape();
    const id = world.companies.acmeEast;
    expect((await app.request('GET', `/api/v1/companies/${id}`, { headers: world.headers('acmeAdmin') })).status).toBe(200);
    expect((await app.request('GET', `/api/v1/companies/${id}`, { headers: world.headers('globexAdmin') })).status).toBe(404);
    expect((await app.request('GET', `/api/v1/no-such-route/${id}`)).status).toBe(404);
    expect((await app.request('GET', `/files/avatars/${id}.png`)).status).toBe(404);
    expect((await app.request('GET', '/healthz')).status).toBe(200);

    const text = await scrape();
    const route = '/api/v1/companies/:id';
    expect(sample(text, 'leadsy_http_requests_total', { method: 'GET', route, status: '200' })).toBe(1);
    expect(sample(text, 'leadsy_http_requests_total', { method: 'GET', route, status: '404' })).toBe(1);
    const unmatched = { method: 'GET', route: 'unmatched', status: '404' };
    expect(sample(text, 'leadsy_http_requests_total', unmatched)).toBe(
      (sample(before, 'leadsy_http_requests_total', unmatched) ?? 0) + 1,
    );
    expect(sample(text, 'leadsy_http_requests_total', { route: '/files/avatars/*key', status: '404' })).toBe(1);
    expect(sample(text, 'leadsy_http_requests_total', { route: '/healthz', status: '200' })).toBe(1);
    expect(sample(text, 'leadsy_http_request_duration_seconds_count', { method: 'GET', route })).toBe(2);
    for (const value of labelValues(text, 'route')) expect(value).not.toContain(String(id));
    // The REST route's document is counted as a GraphQL operation, under its own name.
    expect(sample(text, 'leadsy_graphql_operations_total', { operation: 'ShowCompany', type: 'query', outcome: 'success' })).toBe(
      1,
    );
    expect(sample(text, 'leadsy_graphql_operations_total', { operation: 'ShowCompany', outcome: 'NOT_FOUND' })).toBe(1);
  });

  it('counts GraphQL operations by name, type and outcome, past the cap of names as other', async () => {
    const token = world.token('superAdmin');
    const run = (document: string, withToken = true) => app.graphql(document, {}, withToken ? token : undefined);
    expect((await run('query Listing { users(first: 1) { totalCount } }')).body.errors).toBeUndefined();
    expect((await run('query Listing { users(first: 2) { totalCount } }')).body.errors).toBeUndefined();
    expect((await run('query Secret { users(first: 1) { totalCount } }', false)).body.errors[0].extensions.code).toBe(
      'UNAUTHENTICATED',
    );
    expect((await run('query { users(first: 1) { totalCount } }')).status).toBe(200);
    expect((await run('query Broken { users(first: 1) { nope } }')).status).toBe(400);
    expect(await run('{ oops')).toMatchObject({ status: 400 });
    expect((await run('query Beyond { users(first: 1) { totalCount } }')).status).toBe(200);
    expect((await run('query AlsoBeyond { users(first: 1) { totalCount } }')).status).toBe(200);

    const text = await scrape();
    const operations = (labels: Record<string, string>) => sample(text, 'leadsy_graphql_operations_total', labels);
    expect(operations({ operation: 'Listing', type: 'query', outcome: 'success' })).toBe(2);
    expect(operations({ operation: 'Secret', type: 'query', outcome: 'UNAUTHENTICATED' })).toBe(1);
    expect(operations({ operation: 'anonymous', type: 'query', outcome: 'success' })).toBe(1);
    // Validation failed, but its document names it: the third name of the cap. Unparsable, nothing is known.
    expect(operations({ operation: 'Broken', type: 'query', outcome: 'BAD_USER_INPUT' })).toBe(1);
    expect(operations({ operation: 'anonymous', type: 'unknown', outcome: 'BAD_USER_INPUT' })).toBe(1);
    expect(operations({ operation: 'other', type: 'query', outcome: 'success' })).toBe(2);
    expect(labelValues(text, 'operation')).not.toContain('Beyond');
    expect(sample(text, 'leadsy_graphql_operation_duration_seconds_count', { operation: 'Listing', type: 'query' })).toBe(2);
  });

  it('counts logins by outcome and rate-limit refusals by limiter', async () => {
    const before = await scrape();
    const logins = (text: string, outcome: string) => sample(text, 'leadsy_logins_total', { outcome }) ?? 0;
    expect(logins(before, 'success')).toBe(0);

    expect((await login(app, world.users.eastMember.email, PASSWORD)).body.data.login.token).toEqual(expect.any(String));
    expect((await login(app, world.users.eastManager.email, 'not the password')).body.errors[0].extensions.code).toBe(
      'UNAUTHENTICATED',
    );
    expect((await login(app, world.users.inactive.email, PASSWORD)).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    // Through REST: the same operation. The second failure for that email is over RATE_LIMIT_PER_ACCOUNT.
    const restLogin = () => app.request('POST', '/api/v1/users/login', { body: { email: 'nobody@example.com', password: 'x' } });
    expect((await restLogin()).status).toBe(401);
    expect((await restLogin()).status).toBe(429);

    const text = await scrape();
    expect(logins(text, 'success')).toBe(1);
    expect(logins(text, 'wrong_password')).toBe(1);
    expect(logins(text, 'inactive')).toBe(1);
    expect(logins(text, 'unknown_email')).toBe(1);
    expect(logins(text, 'rate_limited')).toBe(1);
    expect(sample(text, 'leadsy_rate_limit_refusals_total', { limiter: 'login' })).toBe(1);
    expect(sample(text, 'leadsy_http_requests_total', { method: 'POST', route: '/api/v1/users/login', status: '429' })).toBe(1);
  });

  it('reports job attempts, failures and durations by queue, and the queued jobs', async () => {
    // A password reset runs a job that queues a mail; a mail that cannot be opened fails its attempt.
    const reset = await app.graphql('mutation($e: String!) { requestPasswordReset(email: $e) }', {
      e: world.users.eastMember.email,
    });
    expect(reset.body.errors).toBeUndefined();
    await app.jobs.enqueue(app.orm.em.fork(), MAIL_QUEUE, { sealed: 'not sealed', purpose: 'test' });

    const text = await pollUntil(async () => {
      const scraped = await scrape();
      const failed = sample(scraped, 'leadsy_job_failures_total', { queue: MAIL_QUEUE }) ?? 0;
      const resets = sample(scraped, 'leadsy_job_duration_seconds_count', { queue: 'password-reset' }) ?? 0;
      const mails = sample(scraped, 'leadsy_job_duration_seconds_count', { queue: MAIL_QUEUE }) ?? 0;
      return failed >= 1 && resets >= 1 && mails >= 2 ? scraped : undefined;
    }, 'the jobs to run');
    expect(sample(text, 'leadsy_job_failures_total', { queue: 'password-reset' })).toBe(0);
    expect(sample(text, 'leadsy_jobs_running', { queue: MAIL_QUEUE })).toBe(0);
    // The failed mail waits for its retry (30 s away): it is queued.
    expect(sample(text, 'leadsy_jobs_queued', { queue: MAIL_QUEUE })).toBe(1);
    expect(sample(text, 'leadsy_jobs_queued', { queue: 'import' })).toBe(0);
  });

  it('reports the admission gates, the pools, failed statements and the process', async () => {
    const em = app.orm.em.fork();
    await expect(em.getConnection().execute('select * from no_such_table')).rejects.toThrow();
    // Sent straight through the driver (prepared-statements.ts), not through knex.
    await expect(queryPrepared(em, 'select no_such_column', [])).rejects.toThrow();

    const text = await scrape();
    expect(sample(text, 'leadsy_db_statement_errors_total', { pool: 'main' })).toBe(2);
    expect(sample(text, 'leadsy_db_statement_errors_total', { pool: 'jobs' })).toBe(0);
    expect(sample(text, 'leadsy_db_pool_acquire_seconds_count', { pool: 'main' })).toBeGreaterThan(0);
    expect(sample(text, 'leadsy_db_pool_acquire_failures_total', { pool: 'main' })).toBe(0);
    for (const pool of ['main', 'jobs']) {
      expect(sample(text, 'leadsy_db_pool_connections', { pool, state: 'idle' })).toBeGreaterThanOrEqual(0);
      expect(sample(text, 'leadsy_db_pool_connections', { pool, state: 'in_use' })).toBeGreaterThanOrEqual(0);
      expect(sample(text, 'leadsy_db_pool_waiting', { pool })).toBe(0);
    }
    for (const gate of ['requests', 'queries']) {
      expect(sample(text, 'leadsy_admission_waiting', { gate })).toBe(0);
      expect(sample(text, 'leadsy_admission_refused_total', { gate })).toBe(0);
    }
    // The scrape is not a gateway request: nothing is past the gate.
    expect(sample(text, 'leadsy_admission_running', { gate: 'requests' })).toBe(0);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  (existsSync(PROMTOOL) ? it : it.skip)('passes promtool check metrics without a lint problem', async () => {
    const checked = spawnSync(PROMTOOL, ['check', 'metrics'], { input: await scrape(), encoding: 'utf8' });
    expect({ status: checked.status, output: checked.stdout + checked.stderr }).toEqual({ status: 0, output: '' });
  });
});

describe('metrics on the public port', () => {
  let app: TestApp;
  beforeAll(async () => {
    // The port the app is configured with, not the one the test listens on: equal, /metrics is mounted.
    // One request at a time and none waiting: a second one is refused by the admission gate.
    app = await startTestApp({ PORT: '4000', METRICS_PORT: '4000', REQUEST_CONCURRENCY: '1', REQUEST_QUEUE: '0' });
  }, SET_UP_TIMEOUT_MS);
  afterAll(() => app?.close());

  it('answers /metrics on the main app when METRICS_PORT equals PORT', async () => {
    const response = await app.request('GET', '/metrics');
    expect(response.status).toBe(200);
    expect(sample(response.body, 'leadsy_http_requests_total')).toBeUndefined();
    expect(sample((await app.request('GET', '/metrics')).body, 'leadsy_http_requests_total', { route: '/metrics' })).toBe(1);
  });

  it('reads the request admission gate when scraped: running, and refused', async () => {
    // Admitted before its body is read, this request holds the only turn until its body ends.
    const held = request(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '100' },
    });
    held.on('error', () => undefined);
    held.write('{"query":');
    await pollUntil(
      async () => sample((await app.request('GET', '/metrics')).body, 'leadsy_admission_running', { gate: 'requests' }) === 1,
      'the held request to be admitted',
    );
    expect((await app.graphql('{ __typename }')).status).toBe(503);
    const text = (await app.request('GET', '/metrics')).body;
    expect(sample(text, 'leadsy_admission_refused_total', { gate: 'requests' })).toBe(1);
    expect(sample(text, 'leadsy_http_requests_total', { method: 'POST', route: '/graphql', status: '503' })).toBe(1);
    held.destroy();
  });
});

describe('concurrency limit load', () => {
  it('counts what it runs, what waits and what it refuses', async () => {
    const limit = new ConcurrencyLimit(1, 1);
    let finish = () => {};
    const running = limit.run(() => new Promise<void>((resolve) => (finish = resolve)));
    const waiting = limit.run(() => 'waited');
    expect(
      await limit.runUnlessFull(
        () => 'ran',
        () => 'refused',
      ),
    ).toBe('refused');
    expect(limit.load).toEqual({ running: 1, waiting: 1, refused: 1 });
    finish();
    await Promise.all([running, waiting]);
    expect(limit.load).toEqual({ running: 0, waiting: 0, refused: 1 });
  });
});

describe('metrics settings', () => {
  const settings = (env: Record<string, string>) => testConfig('/tmp/metrics-settings', undefined, env).metrics;

  it('defaults to port 9464 on loopback with a cap of 100 operation names', () => {
    expect(settings({})).toEqual({ port: 9464, host: '127.0.0.1', maxOperationNames: 100 });
    expect(settings({ METRICS_PORT: 'off', METRICS_HOST: '::', METRICS_OPERATION_NAMES: '0' })).toEqual({
      port: 'off',
      host: '::',
      maxOperationNames: 0,
    });
  });

  it.each([
    [{ METRICS_PORT: 'none' }, 'METRICS_PORT: must be a port (1-65535) or off'],
    [{ METRICS_PORT: '0' }, 'METRICS_PORT: must be a port (1-65535) or off'],
    [{ METRICS_HOST: 'not a host!' }, 'METRICS_HOST: must be an IP address or a host name'],
    [{ METRICS_OPERATION_NAMES: '-1' }, 'METRICS_OPERATION_NAMES'],
  ])('refuses %j', (env, message) => {
    expect(() => settings(env)).toThrow(ConfigError);
    expect(() => settings(env)).toThrow(message);
  });
});

describe('operation name labels', () => {
  it('labels only the known names when trusted documents are enforced', () => {
    const labels = new OperationNameLabels({ known: new Set(['ShowCompany', 'Trusted']), onlyKnown: true, max: 100 });
    expect(['Trusted', 'ShowCompany', 'Made Up', null].map((name) => labels.labelOf(name))).toEqual([
      'Trusted',
      'ShowCompany',
      'other',
      'anonymous',
    ]);
  });

  it('keeps the label of a name seen before the cap was reached', () => {
    const labels = new OperationNameLabels({ known: new Set(), onlyKnown: false, max: 1 });
    expect(['First', 'Second', 'First'].map((name) => labels.labelOf(name))).toEqual(['First', 'other', 'First']);
  });
});
