import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import WebSocket from 'ws';
import { DOMAIN_EVENTS_CHANNEL } from '../src/modules/events/domain-events';
import { renameStatement } from '../src/modules/user/user-mutation.service';
import { AVATAR_ROUTE_PREFIX } from '../src/shared/storage/avatar-url';
import { LOGIN } from '../test/helpers/documents';
import { onCleanup, runBenchmark } from './lib/cleanup';
import { ownDatabase, serverVersion, withClient } from './lib/database';
import { GATEWAY_UPDATE_USER, graphqlBody } from './lib/documents';
import { graphqlSucceeded, type LoadResult, type RequestPlan, runLoad } from './lib/load';
import { describeMachine } from './lib/machine';
import { type CpuSpent, startCpuMeter } from './lib/proc-stats';
import { ROOT, RESULTS_DIR } from './lib/paths';
import { seedBenchData } from './lib/seed';
import type { ServerProcess } from './lib/server-process';
import { buildGateway, startGateway } from './lib/servers';

/**
 * `npm run bench:events [-- --events N] [--rate R] [--skip-build] [--keep-db]`: live delivery of
 * domain events. On a database of its own, seeded as `npm run bench` seeds (bench/lib/seed.ts), the
 * compiled gateway runs with WEBHOOK_ALLOW_PRIVATE_TARGETS so that a receiver on 127.0.0.1 is allowed.
 *
 * Part 1, latency: N `updateUser` renames (2,000 by default) at a steady R a second (200), each with a
 * unique first name, the users of one company tree in turn; a webhook endpoint and a graphql-ws
 * subscription on the tree's root hear them. Latency = arrival at the receiver / the subscription
 * client − arrival of the mutation's response, all on this process's `performance.now()`.
 *
 * Part 2, what the outbox adds to a write: (a) the rename's single statement straight on PostgreSQL,
 * as the gateway runs it and without its `domain_events` insert and `pg_notify`; (b) the write
 * workload of `npm run bench` (bench/lib/load.ts runLoad, 10 connections, 10 s) without any
 * endpoint or subscriber, then with the endpoint and the subscription of part 1 listening.
 * Writes bench/results/events.md.
 */

const DATABASE_NAME = 'leadsy_bench_events';
const MAX_IN_FLIGHT = 20;
const DELIVERY_WAIT_MS = 60_000;
/** After the HTTP load with listeners: how long the deliveries it queued may take to arrive. */
const DRAIN_WAIT_MS = 240_000;
const LOAD = { connections: 10, durations: { warmupS: 2, measureS: 10 } };
const SQL_EXECUTIONS = 5_000;
const SQL_WARMUP = 500;
const SQL_ROUNDS = 3;
/** Executions of one variant before the other's turn. */
const SQL_BLOCK = 500;
const EVENT_TYPE = 'user.updated';
const log = (line: string) => process.stdout.write(`${line}\n`);

interface Options {
  events: number;
  rate: number;
  skipBuild: boolean;
  keepDatabase: boolean;
}

const USAGE = 'usage: npm run bench:events [-- --events N] [--rate R] [--skip-build] [--keep-db]';

function parseOptions(argv: string[]): Options {
  const options: Options = { events: 2_000, rate: 200, skipBuild: false, keepDatabase: false };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--events') {
      options.events = Number(argv[++index]);
      if (!Number.isInteger(options.events) || options.events < 100)
        throw new Error('--events takes a whole number of 100 or more');
    } else if (arg === '--rate') {
      options.rate = Number(argv[++index]);
      if (!Number.isFinite(options.rate) || options.rate <= 0 || options.rate > 5_000)
        throw new Error('--rate takes a number of events a second, above 0 and at most 5000');
    } else if (arg === '--skip-build') options.skipBuild = true;
    else if (arg === '--keep-db') options.keepDatabase = true;
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  return options;
}

/** CPU seconds the whole machine spent busy (every process, /proc/stat; USER_HZ 100 as bench/lib/proc-stats.ts assumes). */
function machineBusySeconds(): number {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user + nice + system + irq + softirq + (steal || 0)) / 100;
}

/** What the gateway, PostgreSQL, this harness and every other process on the machine spent since the meter started. */
interface Spent extends CpuSpent {
  /** Busy CPU seconds of processes other than those three: another job on a shared machine shows here. */
  otherS: number;
  seconds: number;
}

/** `gatewayPid` null: no gateway runs (its figure is 0). */
function startMeter(gatewayPid: number | null): () => Spent {
  // The proxy's pid is the gateway's: the benchmark runs no proxy, and `proxyS` is not used.
  const read = startCpuMeter(gatewayPid ?? process.pid, gatewayPid ?? process.pid);
  const machine = machineBusySeconds();
  const started = performance.now();
  return () => {
    const spent = { ...read(), ...(gatewayPid === null ? { serverS: 0 } : {}) };
    const ours = spent.serverS + (spent.postgresS ?? 0) + spent.loadS;
    return {
      ...spent,
      otherS: Math.max(0, machineBusySeconds() - machine - ours),
      seconds: (performance.now() - started) / 1000,
    };
  };
}

/** `gateway 1.2 · PostgreSQL 1.0 · harness 0.3 · other processes 0.1` cores on average. */
function describeCores(spent: Spent): string {
  const cores = (seconds: number | null) => (seconds === null ? 'n/a' : (seconds / spent.seconds).toFixed(2));
  return (
    `gateway ${cores(spent.serverS)} · PostgreSQL ${cores(spent.postgresS)} · harness ${cores(spent.loadS)} · ` +
    `other processes ${cores(spent.otherS)}`
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function graphql<T>(gateway: ServerProcess, query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const response = await fetch(`${gateway.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const json = (await response.json()) as { data?: T; errors?: unknown };
  if (response.status !== 200 || json.errors || !json.data)
    throw new Error(`the gateway answered ${response.status}: ${JSON.stringify(json).slice(0, 500)}`);
  return json.data;
}

/** A root company and the users whose primary company is in its tree: every rename of one of them is an event of the tree. */
async function pickTree(url: string, userId: number): Promise<{ rootId: number; companies: number; userIds: number[] }> {
  return withClient(url, async (client) => {
    const {
      rows: [root],
    } = await client.query<{ id: number }>(
      `with recursive up (id, parent_id) as (
         select c.id, c.parent_id from user_accesses ua join companies c on c.id = ua.company_id where ua.user_id = $1 and ua."primary"
         union all
         select c.id, c.parent_id from companies c join up on c.id = up.parent_id)
       select id from up where parent_id is null`,
      [userId],
    );
    const { rows } = await client.query<{ user_id: number; companies: string }>(
      `with recursive tree (id) as (
         select id from companies where id = $1
         union all
         select c.id from companies c join tree on c.parent_id = tree.id)
       select ua.user_id, (select count(*) from tree) as companies
         from user_accesses ua where ua."primary" and ua.company_id in (select id from tree) order by ua.user_id`,
      [root.id],
    );
    return { rootId: root.id, companies: Number(rows[0].companies), userIds: rows.map((row) => row.user_id) };
  });
}

/** What the receiver and the subscription client heard: arrival times by first name. */
class Arrivals {
  readonly at = new Map<string, number>();
  duplicates = 0;

  record(firstName: string, now: number): void {
    if (this.at.has(firstName)) this.duplicates += 1;
    else this.at.set(firstName, now);
  }

  countWithPrefix(prefix: string): number {
    let count = 0;
    for (const name of this.at.keys()) if (name.startsWith(prefix)) count += 1;
    return count;
  }
}

interface Receiver {
  url: string;
  arrivals: Arrivals;
  /** Deliveries whose signature did not verify, or whose body was not an event. */
  failures: string[];
  setSecret(secret: string): void;
}

/** An HTTP server on 127.0.0.1 answering 200, verifying every delivery (Standard Webhooks) and noting when it arrived. */
async function startReceiver(): Promise<Receiver> {
  const arrivals = new Arrivals();
  const failures: string[] = [];
  let webhook: Webhook | undefined;
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const now = performance.now();
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        if (!webhook) throw new Error('a delivery before the endpoint existed');
        webhook.verify(body, request.headers as Record<string, string>);
        const event = JSON.parse(body) as { id: string; type: string; data?: { firstName?: string } };
        if (event.type !== EVENT_TYPE || typeof event.data?.firstName !== 'string')
          throw new Error(`unexpected body ${body.slice(0, 200)}`);
        arrivals.record(event.data.firstName, now);
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup('webhook receiver', () => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/leadsy`,
    arrivals,
    failures,
    setSecret: (secret) => (webhook = new Webhook(secret)),
  };
}

interface Subscriber {
  arrivals: Arrivals;
  /** Errors, completion or a closed socket: none is expected while the benchmark runs. */
  problems: string[];
}

const EVENTS_SUBSCRIPTION = `subscription Events($c: ID!, $t: [String!]) {
  events(companyId: $c, types: $t) { id type payload occurredAt }
}`;

/** A graphql-ws client (the `ws` package) subscribed to the user.updated events of the tree of `companyId`. */
function subscribe(gateway: ServerProcess, token: string, companyId: number): Subscriber {
  const arrivals = new Arrivals();
  const problems: string[] = [];
  let stopping = false;
  const client: WsClient = createClient({
    url: `${gateway.baseUrl.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    on: {
      closed: (event) => {
        if (!stopping)
          problems.push(`socket closed: ${(event as { code?: number })?.code} ${(event as { reason?: string })?.reason}`);
      },
    },
  });
  client.subscribe<{ events: { payload: { firstName?: string } } | null }>(
    { query: EVENTS_SUBSCRIPTION, variables: { c: String(companyId), t: [EVENT_TYPE] } },
    {
      next: (result) => {
        const now = performance.now();
        if (result.errors?.length) problems.push(`errors: ${result.errors.map((error) => error.message).join('; ')}`);
        const firstName = result.data?.events?.payload?.firstName;
        if (typeof firstName === 'string') arrivals.record(firstName, now);
      },
      error: (error) => {
        if (!stopping) problems.push(`error: ${JSON.stringify(error instanceof Error ? error.message : error)}`);
      },
      complete: () => {
        if (!stopping) problems.push('completed');
      },
    },
  );
  onCleanup('graphql-ws client', async () => {
    stopping = true;
    await client.dispose();
  });
  return { arrivals, problems };
}

function updateUserBody(userId: number, firstName: string): string {
  return graphqlBody(GATEWAY_UPDATE_USER, 'UpdateUser', { id: String(userId), input: { firstName } });
}

async function rename(gateway: ServerProcess, token: string, userId: number, firstName: string): Promise<void> {
  const response = await fetch(`${gateway.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: updateUserBody(userId, firstName),
  });
  const text = await response.text();
  if (!graphqlSucceeded(response.status, text)) throw new Error(`updateUser answered ${response.status}: ${text.slice(0, 300)}`);
}

async function waitFor(condition: () => boolean, timeoutMs: number, pollMs = 20): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await sleep(pollMs);
  }
  return true;
}

/** Renames until one rename was heard by both listeners: they are connected and listening. */
async function probe(
  gateway: ServerProcess,
  token: string,
  userId: number,
  receiver: Receiver,
  subscriber: Subscriber,
): Promise<number> {
  for (let attempt = 1; attempt <= 30; attempt += 1) {
    const name = `probe${attempt}`;
    await rename(gateway, token, userId, name);
    if (await waitFor(() => receiver.arrivals.at.has(name) && subscriber.arrivals.at.has(name), 2_000)) return attempt;
    if (subscriber.problems.length) break;
  }
  throw new Error(
    `no probe rename reached both listeners (webhook: ${receiver.arrivals.at.size}, subscription: ${subscriber.arrivals.at.size}, ` +
      `receiver failures: ${receiver.failures.slice(0, 3).join('; ')}, subscription problems: ${subscriber.problems.join('; ')})`,
  );
}

interface Paced {
  responseAt: Float64Array;
  sendSeconds: number;
  /** Sends held back because MAX_IN_FLIGHT requests were waiting for their answers. */
  heldBack: number;
  maxInFlight: number;
  errors: string[];
}

/** N renames `ev<n>` at a steady rate, at most MAX_IN_FLIGHT in flight, noting when each response arrived. */
async function pacedWrites(gateway: ServerProcess, token: string, userIds: number[], options: Options): Promise<Paced> {
  const responseAt = new Float64Array(options.events).fill(NaN);
  const errors: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let heldBack = 0;
  let slotFreed: (() => void) | undefined;
  const pending = new Set<Promise<void>>();
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const send = async (n: number) => {
    try {
      const response = await fetch(`${gateway.baseUrl}/graphql`, {
        method: 'POST',
        headers,
        body: updateUserBody(userIds[n % userIds.length], `ev${n}`),
      });
      const text = await response.text();
      const now = performance.now();
      if (graphqlSucceeded(response.status, text)) responseAt[n] = now;
      else errors.push(`ev${n}: ${response.status} ${text.slice(0, 200)}`);
    } catch (error) {
      errors.push(`ev${n}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const intervalMs = 1000 / options.rate;
  const start = performance.now() + 20;
  for (let n = 0; n < options.events; n += 1) {
    const wait = start + n * intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
    if (inFlight >= MAX_IN_FLIGHT) heldBack += 1;
    while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => (slotFreed = resolve));
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const request = send(n).finally(() => {
      inFlight -= 1;
      pending.delete(request);
      slotFreed?.();
      slotFreed = undefined;
    });
    pending.add(request);
  }
  await Promise.all([...pending]);
  return { responseAt, sendSeconds: (performance.now() - start) / 1000, heldBack, maxInFlight, errors };
}

/** The highest n whose `ev<n>` arrived. */
function lastReceived(arrivals: Arrivals, events: number): string {
  for (let n = events - 1; n >= 0; n -= 1) if (arrivals.at.has(`ev${n}`)) return `ev${n}`;
  return 'none';
}

interface LatencyStats {
  received: number;
  duplicates: number;
  p50: number;
  p99: number;
  max: number;
  min: number;
  mean: number;
}

function latencies(paced: Paced, arrivals: Arrivals): LatencyStats {
  const values: number[] = [];
  for (let n = 0; n < paced.responseAt.length; n += 1) {
    const arrived = arrivals.at.get(`ev${n}`);
    if (arrived !== undefined && !Number.isNaN(paced.responseAt[n])) values.push(arrived - paced.responseAt[n]);
  }
  values.sort((a, b) => a - b);
  return {
    received: arrivals.countWithPrefix('ev'),
    duplicates: arrivals.duplicates,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.at(-1) ?? NaN,
    min: values[0] ?? NaN,
    mean: values.reduce((sum, value) => sum + value, 0) / values.length,
  };
}

/** The write workload of `npm run bench` (bench/lib/workloads/write.ts), on the users of the tree, names `<prefix><count>`. */
function writePlan(token: string, userIds: number[], prefix: string): RequestPlan & { sent: () => number } {
  let count = 0;
  return {
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    next: () => {
      count += 1;
      return { body: updateUserBody(userIds[count % userIds.length], `${prefix}${count}`), expectFailure: false };
    },
    check: graphqlSucceeded,
    sent: () => count,
  };
}

interface LoadRun {
  result: LoadResult;
  /** CPU seconds spent during the measured window. */
  cpu: Spent;
  /** Deliveries that arrived within the measured window, and in all (after the drain). */
  webhookInWindow?: number;
  subscriptionInWindow?: number;
  events?: number;
  webhookTotal?: number;
  subscriptionTotal?: number;
  drainS?: number;
  drained?: boolean;
  /** Every webhook delivery a second (whatever its event) while waiting after the window. */
  webhookDrainRate?: number;
}

async function maxEventId(url: string): Promise<number> {
  return withClient(url, async (client) =>
    Number((await client.query('select coalesce(max(id), 0) as id from domain_events')).rows[0].id),
  );
}

async function loadRun(
  gateway: ServerProcess,
  url: string,
  token: string,
  userIds: number[],
  prefix: string,
  listeners?: { receiver: Receiver; subscriber: Subscriber },
): Promise<LoadRun> {
  const before = await maxEventId(url);
  const plan = writePlan(token, userIds, prefix);
  const counts = () => ({
    webhook: listeners?.receiver.arrivals.countWithPrefix(prefix) ?? 0,
    subscription: listeners?.subscriber.arrivals.countWithPrefix(prefix) ?? 0,
  });
  let atOpen = counts();
  let atClose = counts();
  let readCpu: (() => Spent) | undefined;
  let cpu: Spent | undefined;
  const result = await runLoad(gateway.baseUrl, plan, LOAD.connections, LOAD.durations, {
    open: async () => {
      atOpen = counts();
      readCpu = startMeter(gateway.pid);
    },
    close: async () => {
      cpu = readCpu!();
      atClose = counts();
    },
  });
  if (!listeners) return { result, cpu: cpu! };
  const closed = performance.now();
  const deliveredAtClose = listeners.receiver.arrivals.at.size;
  const events = await withClient(url, async (client) =>
    Number(
      (
        await client.query(
          `select count(*) as n from domain_events where id > $1 and type = $2 and payload->>'firstName' like $3`,
          [before, EVENT_TYPE, `${prefix}%`],
        )
      ).rows[0].n,
    ),
  );
  log(`events: ${events} events written by the load; waiting for their deliveries (up to ${DRAIN_WAIT_MS / 1000} s)`);
  const drained = await waitFor(() => counts().webhook >= events && counts().subscription >= events, DRAIN_WAIT_MS, 100);
  const total = counts();
  return {
    result,
    cpu: cpu!,
    webhookInWindow: atClose.webhook - atOpen.webhook,
    subscriptionInWindow: atClose.subscription - atOpen.subscription,
    events,
    webhookTotal: total.webhook,
    subscriptionTotal: total.subscription,
    drainS: (performance.now() - closed) / 1000,
    drained,
    webhookDrainRate: (listeners.receiver.arrivals.at.size - deliveredAtClose) / ((performance.now() - closed) / 1000),
  };
}

/**
 * The rename's single statement, as UserMutationService.rename runs it (`renameStatement`), with or
 * without its outbox (the `evented` and `notified` CTEs). The selected columns are those of
 * `readColumns(em, User, 'renamed')` (every non-lazy column, the id first).
 */
function renameSql(withEvents: boolean): string {
  const columns = [
    'id',
    'first_name',
    'last_name',
    'email',
    'status',
    'avatar_key',
    'onboarding_completed_at',
    'credentials_changed_at',
    'created_at',
    'updated_at',
  ]
    .map((column) => `"renamed"."${column}"`)
    .join(', ');
  const statement = renameStatement(columns);
  const sql = withEvents ? statement : withoutOutbox(statement, columns);
  let index = 0;
  return sql.replace(/\?/g, () => `$${(index += 1)}`);
}

/** The statement up to its audit event, answering the renamed row: what it was before the outbox. */
function withoutOutbox(statement: string, columns: string): string {
  const outbox = statement.indexOf(',\n       evented as (');
  if (outbox < 0) throw new Error('the rename statement changed shape: update withoutOutbox in bench/events.ts');
  return `${statement.slice(0, outbox)}\n       select ${columns} from renamed`;
}

interface SqlRound {
  withEventsUs: number;
  withoutEventsUs: number;
}

interface SqlCost {
  rounds: SqlRound[];
  withEventsUs: number;
  withoutEventsUs: number;
  notifications: number;
  expectedNotifications: number;
  synchronousCommit: string;
  cpu: Spent;
}

/** Part 2 (a): both statements, prepared, on one connection, round robin over the users; a LISTEN connection counts the notifications. */
async function sqlCost(url: string, userIds: number[], actorId: number): Promise<SqlCost> {
  const client = new Client({ connectionString: url });
  const listener = new Client({ connectionString: url });
  await client.connect();
  await listener.connect();
  const closeClients = onCleanup('SQL clients', async () => {
    await Promise.allSettled([client.end(), listener.end()]);
  });
  let notifications = 0;
  listener.on('notification', (message) => {
    if (message.channel === DOMAIN_EVENTS_CHANNEL) notifications += (JSON.parse(message.payload ?? '[]') as number[]).length;
  });
  await listener.query(`listen ${DOMAIN_EVENTS_CHANNEL}`);
  const synchronousCommit = (await client.query('show synchronous_commit')).rows[0].synchronous_commit as string;
  const statements = {
    with: { name: 'bench_rename_with_events', text: renameSql(true) },
    without: { name: 'bench_rename_without_events', text: renameSql(false) },
  };
  let turn = 0;
  const execute = async (variant: 'with' | 'without', count: number, tag: string): Promise<number> => {
    const started = performance.now();
    for (let index = 0; index < count; index += 1) {
      turn += 1;
      const values: unknown[] = [
        userIds[turn % userIds.length],
        `${tag}${turn}`,
        null,
        actorId,
        null,
        `bench-${turn}`,
        '127.0.0.1',
        'leadsy-bench-events',
      ];
      if (variant === 'with') values.push(AVATAR_ROUTE_PREFIX);
      const { rowCount } = await client.query({ ...statements[variant], values });
      if (rowCount !== 1) throw new Error(`the ${variant}-events statement renamed ${rowCount} rows`);
    }
    return ((performance.now() - started) * 1000) / count;
  };
  let withExecutions = 0;
  await execute('with', SQL_WARMUP, 'warm');
  await execute('without', SQL_WARMUP, 'warm');
  withExecutions += SQL_WARMUP;
  const rounds: SqlRound[] = [];
  const readCpu = startMeter(null);
  for (let round = 0; round < SQL_ROUNDS; round += 1) {
    // Blocks of each variant in turn, the first alternating per block: a drift of the machine (another
    // job, a checkpoint, autovacuum) falls on both variants alike.
    const totals = { with: 0, without: 0 };
    for (let block = 0; block < SQL_EXECUTIONS / SQL_BLOCK; block += 1) {
      const order: ('with' | 'without')[] = (round + block) % 2 ? ['without', 'with'] : ['with', 'without'];
      for (const variant of order) totals[variant] += await execute(variant, SQL_BLOCK, `sql${round}.${block}${variant}`);
    }
    withExecutions += SQL_EXECUTIONS;
    const result: SqlRound = {
      withEventsUs: totals.with / (SQL_EXECUTIONS / SQL_BLOCK),
      withoutEventsUs: totals.without / (SQL_EXECUTIONS / SQL_BLOCK),
    };
    rounds.push(result);
    log(
      `events: SQL round ${round + 1}: with events ${result.withEventsUs.toFixed(0)} µs, without ${result.withoutEventsUs.toFixed(0)} µs`,
    );
  }
  const cpu = readCpu();
  await waitFor(() => notifications >= withExecutions, 5_000);
  await closeClients();
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return {
    rounds,
    withEventsUs: median(rounds.map((round) => round.withEventsUs)),
    withoutEventsUs: median(rounds.map((round) => round.withoutEventsUs)),
    notifications,
    expectedNotifications: withExecutions,
    synchronousCommit,
    cpu,
  };
}

/**
 * What the database says about the webhook pipeline, for a report of missing deliveries: events not
 * yet relayed, pg-boss's webhook jobs by state, and the delivery log.
 */
async function webhookDiagnostics(url: string): Promise<string[]> {
  return withClient(url, async (client) => {
    const lines: string[] = [];
    const relay = await client.query(
      `select count(*) filter (where webhooks_dispatched_at is null) as waiting, count(*) as total, max(id) as last from domain_events`,
    );
    lines.push(
      `domain_events: ${relay.rows[0].total} in all (last id ${relay.rows[0].last}), ${relay.rows[0].waiting} not yet handed to webhooks by the relay`,
    );
    try {
      const jobs = await client.query(
        `select state, count(*) as n, min(created_on) as oldest, max(retry_count) as retries from pgboss.job where name = 'webhook' group by state order by state`,
      );
      lines.push(
        `pgboss.job (webhook): ${jobs.rows.map((row) => `${row.state} ${row.n} (oldest created ${new Date(row.oldest).toISOString()}, max retry_count ${row.retries})`).join('; ') || 'none'}`,
      );
      const active = await client.query(
        `select id, started_on, data from pgboss.job where name = 'webhook' and state = 'active' order by started_on limit 5`,
      );
      if (active.rows.length)
        lines.push(
          `active webhook jobs (first 5): ${active.rows.map((row) => `${JSON.stringify(row.data)} started ${new Date(row.started_on).toISOString()}`).join('; ')}`,
        );
    } catch (error) {
      lines.push(`pgboss.job: could not read (${error instanceof Error ? error.message : String(error)})`);
    }
    const log = await client.query(
      `select succeeded, count(*) as n, max(attempt) as attempts, max(created_at) as last, min(error) as error from webhook_deliveries group by succeeded`,
    );
    lines.push(
      `webhook_deliveries: ${log.rows.map((row) => `${row.succeeded ? 'succeeded' : 'failed'} ${row.n} (max attempt ${row.attempts}, last ${new Date(row.last).toISOString()}${row.error ? `, e.g. ${row.error}` : ''})`).join('; ') || 'none'}`,
    );
    const endpoint = await client.query(`select id, disabled_at, disabled_reason, consecutive_failures from webhook_endpoints`);
    lines.push(`webhook_endpoints: ${endpoint.rows.map((row) => JSON.stringify(row)).join('; ')}`);
    const sessions = await client.query(
      `select application_name, state, wait_event_type, wait_event, left(query, 80) as query, now() - state_change as for
         from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() order by application_name, state`,
    );
    lines.push(
      `pg_stat_activity: ${sessions.rows.map((row) => `[${row.application_name || '-'} ${row.state}${row.wait_event ? ` waiting ${row.wait_event_type}/${row.wait_event}` : ''} ${row.for?.seconds ?? 0}s: ${String(row.query).replace(/\s+/g, ' ')}]`).join(' ')}`,
    );
    return lines;
  });
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : 'n/a');
const int = (value: number) => Math.round(value).toLocaleString('en');

async function run(options: Options, argv: string[]): Promise<void> {
  const startedAt = new Date();
  const url = await ownDatabase(DATABASE_NAME, { keep: options.keepDatabase });
  if (!options.skipBuild) {
    log('events: npm run build');
    await buildGateway();
  }
  log('events: starting the gateway (it migrates the database)');
  const gateway = await startGateway(url, { env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' } });
  log('events: seeding (as npm run bench)');
  const seeded = await seedBenchData(url);
  const { login } = await graphql<{ login: { token: string } }>(gateway, LOGIN, {
    email: seeded.superAdmin.email,
    password: seeded.superAdmin.password,
  });
  const token = login.token;
  const actorId = await withClient(url, async (client) =>
    Number((await client.query('select id from users where email = $1', [seeded.superAdmin.email])).rows[0].id),
  );
  const tree = await pickTree(url, seeded.userIds[0]);
  log(
    `events: company tree of root ${tree.rootId}: ${tree.companies} companies, ${tree.userIds.length} users with their primary company in it`,
  );

  log(`events: HTTP load without listeners (${LOAD.connections} connections, ${LOAD.durations.measureS} s)`);
  const quiet = await loadRun(gateway, url, token, tree.userIds, 'quiet');
  log(`  ${int(quiet.result.requestsPerSecond)} req/s, p99 ${ms(quiet.result.p99Ms)} ms, ${quiet.result.errors} errors`);

  const receiver = await startReceiver();
  const { createWebhookEndpoint } = await graphql<{ createWebhookEndpoint: { secret: string; endpoint: { id: string } } }>(
    gateway,
    `
      mutation CreateEndpoint($input: CreateWebhookEndpointInput!) {
        createWebhookEndpoint(input: $input) {
          secret
          endpoint {
            id
          }
        }
      }
    `,
    {
      input: {
        companyId: String(tree.rootId),
        url: receiver.url,
        eventTypes: [EVENT_TYPE],
        description: 'bench:events receiver',
      },
    },
    token,
  );
  receiver.setSecret(createWebhookEndpoint.secret);
  const subscriber = subscribe(gateway, token, tree.rootId);
  const probes = await probe(gateway, token, tree.userIds[0], receiver, subscriber);
  log(
    `events: webhook endpoint ${createWebhookEndpoint.endpoint.id} and subscription on company ${tree.rootId} listening (${probes} probe(s))`,
  );

  log(`events: part 1: ${options.events.toLocaleString('en')} renames at ${options.rate}/s`);
  const readPart1Cpu = startMeter(gateway.pid);
  const paced = await pacedWrites(gateway, token, tree.userIds, options);
  const part1Cpu = readPart1Cpu();
  const written = paced.responseAt.filter((value) => !Number.isNaN(value)).length;
  log(
    `  sent in ${paced.sendSeconds.toFixed(1)} s, ${written} answered, ${paced.errors.length} errors, max ${paced.maxInFlight} in flight`,
  );
  const lastResponse = performance.now();
  const complete = () =>
    receiver.arrivals.countWithPrefix('ev') >= written && subscriber.arrivals.countWithPrefix('ev') >= written;
  await waitFor(complete, DELIVERY_WAIT_MS);
  const waitedS = (performance.now() - lastResponse) / 1000;
  const sendingStarted = lastResponse - paced.sendSeconds * 1000;
  const arrivedBetween = (arrivals: Arrivals, from: number, to: number) =>
    [...arrivals.at.values()].filter((at) => at > from && at <= to).length;
  const webhookRates = {
    whileSending: arrivedBetween(receiver.arrivals, sendingStarted, lastResponse) / paced.sendSeconds,
    afterSending: arrivedBetween(receiver.arrivals, lastResponse, Infinity) / waitedS,
  };
  const webhookStats = latencies(paced, receiver.arrivals);
  const subscriptionStats = latencies(paced, subscriber.arrivals);
  const missing = (arrivals: Arrivals) => {
    const names: string[] = [];
    for (let n = 0; n < options.events; n += 1) if (!arrivals.at.has(`ev${n}`)) names.push(`ev${n}`);
    return names;
  };
  const webhookMissing = missing(receiver.arrivals);
  const subscriptionMissing = missing(subscriber.arrivals);
  const anomalies: string[] = [];
  if (webhookMissing.length || subscriptionMissing.length) {
    anomalies.push(
      `After part 1 (${waitedS.toFixed(0)} s after its last response): webhook missing ${webhookMissing.length} ` +
        `(first: ${webhookMissing.slice(0, 5).join(', ')}; last received: ${lastReceived(receiver.arrivals, options.events)}), ` +
        `subscription missing ${subscriptionMissing.length}${subscriptionMissing.length ? ` (first: ${subscriptionMissing.slice(0, 5).join(', ')})` : ''}.`,
      ...(await webhookDiagnostics(url)).map((line) => `  - ${line}`),
    );
    log(
      `  MISSING after ${waitedS.toFixed(1)} s: webhook ${webhookMissing.length} (${webhookMissing.slice(0, 10).join(', ')}), ` +
        `subscription ${subscriptionMissing.length} (${subscriptionMissing.slice(0, 10).join(', ')})`,
    );
    for (const line of anomalies) log(`  ${line}`);
  }

  log(`events: HTTP load with the endpoint and the subscription listening`);
  const listened = await loadRun(gateway, url, token, tree.userIds, 'loud', { receiver, subscriber });
  log(`  ${int(listened.result.requestsPerSecond)} req/s, p99 ${ms(listened.result.p99Ms)} ms, ${listened.result.errors} errors`);

  if (!listened.drained) {
    anomalies.push(
      `After part 2 (b) (${listened.drainS!.toFixed(0)} s after its window): webhook ${listened.webhookTotal} and subscription ` +
        `${listened.subscriptionTotal} of the ${listened.events} events the load wrote.`,
      ...(await webhookDiagnostics(url)).map((line) => `  - ${line}`),
    );
    for (const line of anomalies.slice(-1)) log(`  ${line}`);
  }
  const gatewayOutput = gateway.outputTail().trim();
  const failures = receiver.failures.length;
  const subscriptionProblems = [...subscriber.problems];
  await gateway.stop();

  log(`events: part 2 (a): the rename statement on PostgreSQL, ${SQL_ROUNDS} rounds of ${SQL_EXECUTIONS.toLocaleString('en')}`);
  const sql = await sqlCost(url, seeded.userIds, actorId);

  const machine = describeMachine(await serverVersion(url));
  const command = `npm run bench:events${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const elapsedS = (Date.now() - startedAt.getTime()) / 1000;
  const latencyRow = (name: string, stats: LatencyStats) =>
    `| ${name} | ${stats.received.toLocaleString('en')} / ${written.toLocaleString('en')} | ${ms(stats.p50)} | ${ms(stats.p99)} | ` +
    `**${ms(stats.max)}** | ${ms(stats.min)} | ${ms(stats.mean)} | ${stats.duplicates} |`;
  const latencyTable = [
    `| delivery | received / written | p50 ms | p99 ms | max ms | min ms | mean ms | duplicates |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    latencyRow('webhook (POST to 127.0.0.1, signature verified)', webhookStats),
    latencyRow('subscription (graphql-ws)', subscriptionStats),
  ];
  const difference = sql.withEventsUs - sql.withoutEventsUs;
  const sqlTable = [
    '| statement (one autocommitted execution) | µs per statement (median of rounds) | rounds µs |',
    '| --- | ---: | --- |',
    `| rename as the gateway runs it (users + audit_events + domain_events + pg_notify) | ${sql.withEventsUs.toFixed(0)} | ${sql.rounds
      .map((round) => round.withEventsUs.toFixed(0))
      .join(', ')} |`,
    `| the same without the domain_events insert and pg_notify | ${sql.withoutEventsUs.toFixed(0)} | ${sql.rounds
      .map((round) => round.withoutEventsUs.toFixed(0))
      .join(', ')} |`,
    `| **difference: the outbox** | **${difference.toFixed(0)}** (${((difference / sql.withoutEventsUs) * 100).toFixed(1)} %) | |`,
  ];
  const cpuPerWrite = (seconds: number | null, load: LoadRun) =>
    seconds === null ? 'n/a' : ((seconds * 1000) / Math.max(1, load.result.completed)).toFixed(2);
  const loadRow = (name: string, load: LoadRun) =>
    `| ${name} | ${int(load.result.requestsPerSecond)} | ${ms(load.result.p50Ms)} | ${ms(load.result.p99Ms)} | ${load.result.errors} | ` +
    `${cpuPerWrite(load.cpu.serverS, load)} | ${cpuPerWrite(load.cpu.postgresS, load)} | ` +
    `${describeCores(load.cpu)} | ` +
    (load.events === undefined
      ? '— | — | — |'
      : `${int(load.webhookInWindow!)} / ${int(load.subscriptionInWindow!)} | ${int(load.events)} | ` +
        `${int(load.webhookTotal!)} / ${int(load.subscriptionTotal!)} ${load.drained ? `after ${load.drainS!.toFixed(1)} s` : `(**not all** after ${load.drainS!.toFixed(0)} s)`} |`);
  const httpTable = [
    '| updateUser, 10 connections, 10 s | req/s | p50 ms | p99 ms | errors | gateway CPU ms/write | PostgreSQL CPU ms/write | CPU cores in use (average) | delivered in the window (webhook / subscription) | events written (warm-up + window + tail) | delivered in all (webhook / subscription) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |',
    loadRow('no webhook endpoint, no subscriber', quiet),
    loadRow('webhook endpoint + graphql-ws subscriber on every user.updated', listened),
    `| **change** | **${(((listened.result.requestsPerSecond - quiet.result.requestsPerSecond) / quiet.result.requestsPerSecond) * 100).toFixed(1)} %** | | **${(listened.result.p99Ms - quiet.result.p99Ms).toFixed(1)} ms** | | | | | | | |`,
  ];
  const checks = [
    `- Webhook deliveries whose signature did not verify (\`new Webhook(secret).verify(body, headers)\`) or were not a user.updated: **${failures}**${failures ? ` (first: ${receiver.failures[0]})` : ''}.`,
    `- Part 1 writes: ${written.toLocaleString('en')} of ${options.events.toLocaleString('en')} answered without errors${paced.errors.length ? ` (first error: ${paced.errors[0]})` : ''}; ` +
      `sent over ${paced.sendSeconds.toFixed(2)} s (${(written / paced.sendSeconds).toFixed(0)} a second achieved for ${options.rate} asked; ` +
      `CPU cores in use meanwhile: ${describeCores(part1Cpu)}), at most ${paced.maxInFlight} in flight, ${paced.heldBack} send(s) held back by the cap of ${MAX_IN_FLIGHT}; ` +
      `every delivery in ${waitedS.toFixed(1)} s after the last answer${webhookMissing.length || subscriptionMissing.length ? ` — **missing** after ${DELIVERY_WAIT_MS / 1000} s: webhook ${webhookMissing.length}, subscription ${subscriptionMissing.length}` : ''}.`,
    `- Subscription problems (errors, completion, socket closed) while the gateway ran: ${subscriptionProblems.length ? subscriptionProblems.join('; ') : 'none'}.`,
    `- Webhook deliveries a second in part 1: ${webhookRates.whileSending.toFixed(1)} while the renames were sent, ` +
      `${webhookRates.afterSending.toFixed(1)} in the ${waitedS.toFixed(0)} s after the last one` +
      (listened.drainS === undefined
        ? '.'
        : `; ${listened.webhookDrainRate!.toFixed(1)} in the ${listened.drainS.toFixed(0)} s after part 2 (b)’s window ` +
          '(every delivery, part 1’s backlog included: the oldest event goes first).'),
    `- Part 2 (a), CPU cores in use during the rounds: ${describeCores(sql.cpu)}.`,
    `- Notifications heard on \`${DOMAIN_EVENTS_CHANNEL}\` during part 2 (a): ${sql.notifications.toLocaleString('en')} event ids for ${sql.expectedNotifications.toLocaleString('en')} executions of the statement with events.`,
  ];

  const report = [
    '# Benchmark: live delivery of domain events (webhooks, subscriptions) and the outbox’s cost',
    '',
    `Command: \`${command}\` — ${startedAt.toISOString()}, ${elapsedS.toFixed(0)} s`,
    '',
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb.toFixed(1)} GB RAM, ${machine.kernel}; ` +
      `Node ${machine.node}; PostgreSQL ${machine.postgres} (synchronous_commit=${sql.synchronousCommit}). The gateway, PostgreSQL, ` +
      'the load generator, the webhook receiver and the subscription client share these CPUs.',
    '',
    `## Part 1: delivery latency at ${options.rate} events/s`,
    '',
    ...latencyTable,
    '',
    'Percentiles over the deliveries received. Latency = arrival at the receiver (the whole body read) or at the subscription client (the `next` message) − arrival of ' +
      'the `updateUser` response. The response leaves after the commit, so this is measured from the acknowledgement: it ' +
      'under-estimates commit → delivery by at most the response’s trip (the gateway serialising it and loopback), and ' +
      'can be negative when a delivery overtakes the response.',
    '',
    '## Part 2: the outbox’s extra cost per write',
    '',
    '### (a) The rename statement on PostgreSQL',
    '',
    ...sqlTable,
    '',
    '### (b) HTTP: the write workload of `npm run bench`',
    '',
    ...httpTable,
    '',
    '## Checks',
    '',
    ...checks,
    '',
    ...(anomalies.length || gatewayOutput
      ? [
          '## What went wrong',
          '',
          ...anomalies.map((line) => (line.startsWith('  - ') ? line : `- ${line}`)),
          ...(gatewayOutput
            ? ['', 'The gateway’s last output (LOG_LEVEL=warn):', '', '```', gatewayOutput.slice(-3000), '```']
            : []),
          '',
        ]
      : []),
    '## How it was measured',
    '',
    `- A database of its own, \`${DATABASE_NAME}\`, migrated by the gateway and seeded as \`npm run bench\` seeds ` +
      '(bench/lib/seed.ts: 10,000 users, 100 root companies with 9 children each); dropped afterwards.',
    '- The gateway compiled (`dist/`), started as `npm run bench` starts it (a child process, NODE_ENV=production, ' +
      'LOG_LEVEL=warn, a pool of 10 connections, straight to PostgreSQL), with WEBHOOK_ALLOW_PRIVATE_TARGETS=true so that ' +
      'an http://127.0.0.1 receiver is accepted; every request as the seeded super_admin (Bearer token from `login`).',
    `- One company tree: the root of the primary company of the first seeded user (company ${tree.rootId}, ${tree.companies} ` +
      `companies), and the ${tree.userIds.length} users whose primary company is in it — user.updated carries the user's ` +
      'primary company, so every rename of one of them is an event of the tree. Both the webhook endpoint ' +
      '(`createWebhookEndpoint`, eventTypes [user.updated]) and the subscription ' +
      '(`events(companyId: <root>, types: ["user.updated"])` over graphql-ws, the `graphql-ws` client on the `ws` package, ' +
      '`connectionParams.authorization`) are on that root; probe renames check that both listen before anything is measured.',
    `- Part 1: ${options.events.toLocaleString('en')} \`updateUser(id, input: {firstName: "ev<n>"})\` at a steady ${options.rate}/s ` +
      `(send n is due at start + n/${options.rate} s), with Node's fetch (undici, keep-alive), at most ${MAX_IN_FLIGHT} in flight, ` +
      'the users of the tree in turn. The receiver is an `http.createServer` on 127.0.0.1 answering 200; it matches deliveries ' +
      'by `data.firstName`, the subscription client by `payload.firstName`. All times are `performance.now()` of this one ' +
      `process. Deliveries were awaited up to ${DELIVERY_WAIT_MS / 1000} s after the last response.`,
    `- Part 2 (a): with the \`pg\` client straight on the database (the gateway stopped, so none of its work runs), one ` +
      `connection, named prepared statements, each execution autocommitted as the gateway runs it: ${SQL_WARMUP} warm-up ` +
      `executions of each, then ${SQL_ROUNDS} rounds of ${SQL_EXECUTIONS.toLocaleString('en')} executions of each, in blocks ` +
      `of ${SQL_BLOCK} taking turns (so that a drift of the machine falls on both alike), round robin over the 10,000 users, ` +
      'a new first name each time; the result is the median of the rounds’ means, ' +
      'wall time on loopback (pg_stat_statements is not available). The statement is the one of ' +
      '`UserMutationService.rename` (src/modules/user/user-mutation.service.ts), replicated in bench/events.ts since its text ' +
      'is not exported (its SQL helpers `userPayloadSql` and `notifyDomainEventsSql` are imported); the variant without ' +
      'the outbox drops its `evented` and `notified` CTEs. A second connection LISTENs on the channel, as the gateway would.',
    `- Part 2 (b): bench/lib/load.ts \`runLoad\` (autocannon), ${LOAD.connections} connections, ${LOAD.durations.warmupS} s ` +
      `warm-up then ${LOAD.durations.measureS} s measured, each request renaming the next user of the tree (as ` +
      'bench/lib/workloads/write.ts does over all users; here over the tree so that every write is an event the listeners hear). ' +
      'First with no endpoint and no subscriber (the gateway still relays every event: its webhook relay and event bus always ' +
      'run), then with the endpoint and the subscription of part 1. After the second run, the harness waits for the deliveries ' +
      `of every event that load wrote (up to ${DRAIN_WAIT_MS / 1000} s) and reports how long they took.`,
    '',
  ].join('\n');
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'events.md');
  writeFileSync(file, report);
  log(`\n${report}`);
  log(`events: wrote ${relative(ROOT, file)}`);
}

void runBenchmark('events', log, parseOptions, run);
