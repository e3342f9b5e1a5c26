import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GatewayProcess } from './faults/gateway-process';
import { PASSWORD } from './helpers/fixtures';
import { OtlpReceiver, type ReceivedSpan } from './helpers/otlp-receiver';
import { preparedDataDir } from './helpers/prepared-database';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';
import { pollUntil } from './helpers/wait';

const ADMIN = { email: 'tracing-admin@example.com', password: PASSWORD };
const SPAN_KIND = { server: 2, client: 3, consumer: 5 };
/** The caller's trace, as a client or a proxy in front of the gateway would send it. */
const CALLER_TRACE_ID = randomBytes(16).toString('hex');
const CALLER_SPAN_ID = randomBytes(8).toString('hex');
const HOOK_TOKEN = `hook-token-${randomBytes(4).toString('hex')}`;

/**
 * Traces as an OpenTelemetry collector receives them, from the gateway as production runs it: its
 * own process (the instrumentations patch modules as they are required, which Jest's module
 * registry bypasses), exporting over OTLP/HTTP to a receiver on loopback.
 */
describe('OpenTelemetry traces', () => {
  let receiver: OtlpReceiver;
  let gateway: GatewayProcess;
  let database: TestDatabase;
  let dataDir: string;
  let tracingOffModules: Promise<string[]>;
  /** A webhook receiver on loopback: the headers of each delivery. */
  let webhooks: Server;
  const deliveries: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    // Meanwhile, as it takes as long as the gateway's start.
    tracingOffModules = openTelemetryModulesLoadedWithTracingOff();
    tracingOffModules.catch(() => undefined);
    webhooks = createServer((req, res) => {
      deliveries.push(req.headers);
      req.resume().on('end', () => res.writeHead(204).end());
    }).listen(0, '127.0.0.1');
    await once(webhooks, 'listening');
    receiver = await OtlpReceiver.start();
    database = await createTestDatabase();
    dataDir = preparedDataDir('tracing-test-', !database.url);
    gateway = await GatewayProcess.start({
      ...(database.url ? { DATABASE_URL: database.url } : {}),
      DATA_DIR: dataDir,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      // Batches leave every 100 ms instead of every 5 s.
      OTEL_BSP_SCHEDULE_DELAY: '100',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      // No metrics port: another gateway of the test run may hold the default one.
      METRICS_PORT: 'off',
    });
  }, 120_000);

  afterAll(async () => {
    gateway?.kill();
    await gateway?.exited;
    await receiver?.stop();
    webhooks?.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('traces a REST request from its HTTP span through its GraphQL operation to its SQL, and the job it queued', async () => {
    const token = await logIn();
    const { companyId, accessId } = await adminCompanyAndAccess(token);
    // Distinctive: it must appear in no span, though it is in the body, the variables and the SQL's values.
    const email = `trace-probe-${randomBytes(4).toString('hex')}@example.com`;

    // Without a password, the user is pending and a mail job is queued in the same transaction.
    const response = await createUser(
      token,
      { companyId, accessId, email },
      { traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01` },
    );
    expect(response.status).toBe(201);
    // The trace goes on from the caller's, and the answer says which span of it was the gateway's.
    expect(response.headers.get('traceparent')).toMatch(new RegExp(`^00-${CALLER_TRACE_ID}-[0-9a-f]{16}-01$`));

    const [operation] = await receiver.waitFor((span) => span.traceId === CALLER_TRACE_ID && span.name === 'mutation CreateUser');
    const trace = receiver.spans.filter((span) => span.traceId === CALLER_TRACE_ID);
    const http = spanOf(trace, operation.parentSpanId);
    expect(http).toMatchObject({
      kind: SPAN_KIND.server,
      parentSpanId: CALLER_SPAN_ID,
      scope: '@opentelemetry/instrumentation-http',
      attributes: expect.objectContaining({
        'http.request.method': 'POST',
        'url.path': '/api/v1/users',
        'http.response.status_code': 201,
      }),
    });
    expect(response.headers.get('traceparent')).toBe(`00-${CALLER_TRACE_ID}-${http.spanId}-01`);
    expect(operation.attributes).toEqual({ 'graphql.operation.type': 'mutation', 'graphql.operation.name': 'CreateUser' });

    const statements = trace.filter(
      (span) => span.parentSpanId === operation.spanId && span.scope === '@opentelemetry/instrumentation-pg',
    );
    const texts = statements.map((span) => span.attributes['db.query.text']);
    expect(texts).toEqual(expect.arrayContaining([expect.stringMatching(/^insert into "users"/i)]));
    expect(statements.every((span) => span.kind === SPAN_KIND.client)).toBe(true);

    // The mail job runs in a trace of its own, linked to the operation that queued it.
    const [job] = await receiver.waitFor(
      (span) => span.name === 'process mail' && span.links.some((link) => link.traceId === CALLER_TRACE_ID),
    );
    expect(job).toMatchObject({
      kind: SPAN_KIND.consumer,
      parentSpanId: '',
      links: [{ traceId: CALLER_TRACE_ID, spanId: operation.spanId }],
    });
    expect(job.traceId).not.toBe(CALLER_TRACE_ID);
    expect(job.attributes).toMatchObject({ 'messaging.system': 'pg-boss', 'messaging.destination.name': 'mail' });

    // No value a user gave, in any span of any trace: not the body, not a variable, not a SQL value.
    expect(receiver.bodies.some((body) => body.includes(email) || body.includes('Probe'))).toBe(false);
    expect(
      receiver.spans.some((span) => Object.keys(span.attributes).some((key) => /variables|values|parameters/i.test(key))),
    ).toBe(false);

    // Every log line of the request carries its trace id.
    const lines = logLines().filter((line) => line.requestId === response.headers.get('x-request-id'));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request', status: 201, span_id: http.spanId }));
    expect(lines.every((line) => line.trace_id === CALLER_TRACE_ID)).toBe(true);
  });

  it('keeps the literals of a GraphQL document, of its SQL and of a query string out of their spans', async () => {
    const secret = `literal-${randomBytes(4).toString('hex')}@example.com`;
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `mutation Inline { login(email: "${secret}", password: "${secret}") { token } }` }),
    });
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe(
      'UNAUTHENTICATED',
    );
    const traceId = response.headers.get('traceparent')!.split('-')[1];
    const [operation] = await receiver.waitFor((span) => span.traceId === traceId && span.name === 'mutation Inline');
    expect(operation.attributes['error.type']).toBe('UNAUTHENTICATED');
    expect(operation.status.code).toBe(2);
    const [lookup] = await receiver.waitFor(
      (span) => span.traceId === traceId && /from "users"/.test(String(span.attributes['db.query.text'])),
    );
    expect(lookup.attributes['db.query.text']).toMatch(/"email" = \?/);

    const listed = await fetch(`${gateway.url}/api/v1/users?q=${encodeURIComponent(secret)}&page=2`);
    expect(listed.status).toBe(401);
    const [http] = await receiver.waitFor((span) => span.spanId === listed.headers.get('traceparent')!.split('-')[2]);
    expect(http.attributes).toMatchObject({ 'url.path': '/api/v1/users', 'url.query': 'q=REDACTED&page=REDACTED' });
    expect(receiver.bodies.some((body) => body.includes(secret))).toBe(false);
  });

  it('sends the trace context of a webhook delivery to its receiver', async () => {
    const token = await logIn();
    const { companyId, accessId } = await adminCompanyAndAccess(token);
    const { port } = webhooks.address() as AddressInfo;
    const registered = await graphql(
      token,
      'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }',
      {
        input: {
          companyId: String(companyId),
          url: `http://127.0.0.1:${port}/hooks?token=${HOOK_TOKEN}`,
          eventTypes: ['user.created'],
        },
      },
    );
    expect(registered.errors).toBeUndefined();
    await createUser(token, { companyId, accessId, email: `hooked-${randomBytes(4).toString('hex')}@example.com` });

    const [post] = await receiver.waitFor(
      (span) => span.kind === SPAN_KIND.client && span.attributes['url.full'] === `http://127.0.0.1:${port}/hooks`,
    );
    // The job's span ends after its delivery's: it may come in a later batch.
    const [job] = await receiver.waitFor((span) => span.spanId === post.parentSpanId);
    // The receiver's token in the URL's query stays out of the span.
    expect(receiver.bodies.some((body) => body.includes(HOOK_TOKEN))).toBe(false);
    expect(job).toMatchObject({ name: 'process webhook', kind: SPAN_KIND.consumer });
    expect(deliveries.map((headers) => headers.traceparent)).toContain(`00-${post.traceId}-${post.spanId}-01`);
  });

  it('logs a failed export as a warning', async () => {
    receiver.refuseNext();
    expect((await fetch(`${gateway.url}/api/v1/users`)).status).toBe(401);
    const warning = await pollUntil(
      () => logLines().find((line) => line.component === 'tracing' && line.level === 40),
      'a warning about the refused export',
    );
    expect(JSON.stringify(warning)).not.toMatch(/authorization/i);
  });

  it('loads no OpenTelemetry SDK module when OTEL_EXPORTER_OTLP_ENDPOINT is unset', async () => {
    expect(await tracingOffModules).toEqual([]);
  });

  /** The OpenTelemetry modules but the API (which libraries load, a no-op without an SDK) that the gateway's import graph loads, as main.ts loads it with tracing off. */
  async function openTelemetryModulesLoadedWithTracingOff(): Promise<string[]> {
    const script = `require('reflect-metadata'); require('./src/app'); require('./src/shared/tracing/tracing');
      console.log(JSON.stringify(Object.keys(require.cache).filter((file) => /@opentelemetry\\/(?!api\\/)/.test(file))));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', 'ts-node/register', '-e', script], {
      cwd: join(__dirname, '..'),
      env: { PATH: process.env.PATH },
    });
    return JSON.parse(stdout) as string[];
  }

  async function graphql(token: string, query: string, variables: Record<string, unknown> = {}) {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  }

  /** Creates a pending user (a mail job is queued with it) through REST. */
  function createUser(
    token: string,
    user: { companyId: number; accessId: number; email: string },
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return fetch(`${gateway.url}/api/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify({
        first_name: 'Trace',
        last_name: 'Probe',
        email: user.email,
        company_id: user.companyId,
        access_id: user.accessId,
      }),
    });
  }

  async function logIn(): Promise<string> {
    const response = await fetch(`${gateway.url}/api/v1/users/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { token: string }).token;
  }

  async function adminCompanyAndAccess(token: string): Promise<{ companyId: number; accessId: number }> {
    const { data } = (await graphql(token, '{ me { primaryCompany { id } } accesses { id name } }')) as {
      data: { me: { primaryCompany: { id: string } }; accesses: { id: string; name: string }[] };
    };
    const member = data.accesses.find((access) => /member/i.test(access.name)) ?? data.accesses[0];
    return { companyId: Number(data.me.primaryCompany.id), accessId: Number(member.id) };
  }

  function logLines(): Record<string, unknown>[] {
    return gateway
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
});

function spanOf(spans: ReceivedSpan[], spanId: string): ReceivedSpan {
  const span = spans.find((candidate) => candidate.spanId === spanId);
  if (!span) throw new Error(`span ${spanId} was not received`);
  return span;
}
