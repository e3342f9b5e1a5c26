import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { documentId, manifestOf } from '../src/graphql/trusted-documents';
import { BENCH_QUERY, LOGIN } from '../test/helpers/documents';
import { onCleanup, runBenchmark } from './lib/cleanup';
import { ownDatabase, serverVersion } from './lib/database';
import { graphqlBody } from './lib/documents';
import { graphqlSucceeded, type LoadResult, type RequestPlan, runLoad } from './lib/load';
import { type CpuSpent, startCpuMeter, waitUntilIdle } from './lib/proc-stats';
import { describeMachine } from './lib/machine';
import { ROOT, RESULTS_DIR } from './lib/paths';
import { seedBenchData } from './lib/seed';
import type { ServerProcess } from './lib/server-process';
import { buildGateway, freePort, startGateway, startRouter } from './lib/servers';
import { JSON_HEADERS, postGraphql } from './lib/workloads/context';

/**
 * `npm run bench:features [-- --baseline REF] [--rounds N] [--quick] [--skip-build] [--keep-db]`: what
 * each production feature costs on the nested query at first=100 (10 connections). Every variant is
 * its own compiled gateway on one seeded database; the runs are interleaved round by round so that
 * drift hits every variant alike, and each figure is the median of the rounds. The CPU time per
 * request of the variant's processes (from /proc) is steadier than req/s on a small machine. With
 * `--baseline`, the code of that git revision (built in a temporary worktree) runs too: "the code
 * before". The router variant sends the query through @apollo/gateway (bench/router-server.mjs).
 * Writes bench/results/features.md.
 */

const DATABASE_NAME = 'leadsy_bench_features';
const FIRST = 100;
const CONNECTIONS = 10;
const SCRAPE_INTERVAL_MS = 1_000;
const exec = promisify(execFile);
const log = (line: string) => process.stdout.write(`${line}\n`);

interface Options {
  baseline?: string;
  rounds: number;
  durations: { warmupS: number; measureS: number };
  skipBuild: boolean;
  keepDatabase: boolean;
}

const USAGE = 'usage: npm run bench:features [-- --baseline REF] [--rounds N] [--quick] [--skip-build] [--keep-db]';

function parseOptions(argv: string[]): Options {
  const options: Options = { rounds: 3, durations: { warmupS: 1.5, measureS: 8 }, skipBuild: false, keepDatabase: false };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--baseline') {
      options.baseline = argv[++index];
      if (!options.baseline) throw new Error(`--baseline takes a git revision\n${USAGE}`);
    } else if (arg === '--rounds') {
      options.rounds = Number(argv[++index]);
      if (!Number.isInteger(options.rounds) || options.rounds < 1 || options.rounds > 9)
        throw new Error('--rounds takes a whole number from 1 to 9');
    } else if (arg === '--quick') options.durations = { warmupS: 0.5, measureS: 3 };
    else if (arg === '--skip-build') options.skipBuild = true;
    else if (arg === '--keep-db') options.keepDatabase = true;
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  return options;
}

/** One gateway to measure, and how its requests look. */
interface Variant {
  name: string;
  server: ServerProcess;
  /** The request body: the document's text, or only its hash (APQ). */
  body: (variables: Record<string, unknown>) => string;
  /** Runs beside the load (a Prometheus scraper); returns its stop. */
  during?: () => () => void;
  /** The processes that serve it (a router and its subgraph): their CPU time is the variant's. */
  pids: number[];
  results: Measured[];
}

/** One run: the load's figures, and the CPU milliseconds per request of the variant's processes and of PostgreSQL. */
interface Measured extends LoadResult {
  serverCpuMs: number;
  postgresCpuMs: number | null;
}

/** The revision's code in a temporary worktree sharing this checkout's node_modules, compiled. */
async function buildBaseline(revision: string): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'leadsy-baseline-'));
  const tree = join(root, 'tree');
  await exec('git', ['worktree', 'add', '--detach', tree, revision], { cwd: ROOT });
  onCleanup(`worktree of ${revision}`, async () => {
    await exec('git', ['worktree', 'remove', '--force', tree], { cwd: ROOT });
    rmSync(root, { recursive: true, force: true });
  });
  symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
  await exec(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: tree });
  return tree;
}

/** An OTLP/HTTP receiver that takes every export and keeps nothing: tracing's cost is the gateway's. */
async function startTraceSink(): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup('trace sink', () => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function scrapeEvery(url: string): () => () => void {
  return () => {
    const timer = setInterval(() => void fetch(url).then((response) => response.text()), SCRAPE_INTERVAL_MS);
    return () => clearInterval(timer);
  };
}

async function loginToken(server: ServerProcess, email: string, password: string): Promise<string> {
  const { json } = await postGraphql(server.baseUrl, graphqlBody(LOGIN, undefined, { email, password }), { ...JSON_HEADERS });
  const token = json.data?.login?.token;
  if (typeof token !== 'string') throw new Error(`${server.name}: the super admin could not log in: ${JSON.stringify(json)}`);
  return token;
}

const fullText = (variables: Record<string, unknown>) => graphqlBody(BENCH_QUERY, 'Bench', variables);
const hashOnly = (variables: Record<string, unknown>) =>
  JSON.stringify({
    operationName: 'Bench',
    variables,
    extensions: { persistedQuery: { version: 1, sha256Hash: documentId(BENCH_QUERY) } },
  });

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The load on `variant`, with the CPU its processes and PostgreSQL spent during the measured window. */
async function measureVariant(variant: Variant, plan: RequestPlan, durations: Options['durations']): Promise<Measured> {
  // Whatever the previous run left (its backlog, a collection) is not this one's.
  await Promise.all(variant.pids.map((pid) => waitUntilIdle(pid)));
  let meters: (() => CpuSpent)[] = [];
  let spent: CpuSpent[] = [];
  const load = await runLoad(variant.server.baseUrl, plan, CONNECTIONS, durations, {
    open: async () => {
      meters = variant.pids.map((pid) => startCpuMeter(pid, pid));
    },
    close: async () => {
      spent = meters.map((read) => read());
    },
  });
  const perRequest = (seconds: number) => (seconds * 1000) / Math.max(load.completed, 1);
  const postgresS = spent[0]?.postgresS;
  return {
    ...load,
    serverCpuMs: perRequest(spent.reduce((sum, cpu) => sum + cpu.serverS, 0)),
    postgresCpuMs: postgresS == null ? null : perRequest(postgresS),
  };
}

function table(variants: Variant[]): string {
  const reference = variants.find((variant) => variant.name.startsWith('before')) ?? variants[0];
  const figure = (variant: Variant, of: (result: Measured) => number | null) =>
    median(variant.results.map((result) => of(result) ?? NaN));
  const rate = (variant: Variant) => figure(variant, (result) => result.requestsPerSecond);
  const cpu = (variant: Variant) => figure(variant, (result) => result.serverCpuMs);
  const lines = [
    `| variant | req/s | × ${reference.name} | p50 ms | p99 ms | errors | gateway CPU ms/req | × ${reference.name} | PostgreSQL CPU ms/req |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const variant of variants) {
    const errors = variant.results.reduce((sum, result) => sum + result.errors, 0);
    lines.push(
      `| ${variant.name} | ${rate(variant).toFixed(0)} | ${(rate(variant) / rate(reference)).toFixed(3)} | ` +
        `${figure(variant, (result) => result.p50Ms).toFixed(1)} | ${figure(variant, (result) => result.p99Ms).toFixed(1)} | ${errors} | ` +
        `${cpu(variant).toFixed(2)} | ${(cpu(variant) / cpu(reference)).toFixed(3)} | ` +
        `${figure(variant, (result) => result.postgresCpuMs).toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

async function run(options: Options, argv: string[]): Promise<void> {
  const startedAt = Date.now();
  const url = await ownDatabase(DATABASE_NAME, { keep: options.keepDatabase });
  if (!options.skipBuild) {
    log('bench: npm run build');
    await buildGateway();
  }
  const started: { name: string; server: ServerProcess }[] = [];
  // The baseline first: it migrates the empty database as far as it knows, the current code the rest.
  if (options.baseline) {
    log(`bench: building ${options.baseline} in a worktree`);
    const tree = await buildBaseline(options.baseline);
    started.push({ name: `before (${options.baseline})`, server: await startGateway(url, { root: tree }) });
  }
  const metricsPort = await freePort();
  const manifest = join(mkdtempSync(join(tmpdir(), 'leadsy-trusted-')), 'persisted-documents.json');
  writeFileSync(manifest, JSON.stringify(manifestOf([BENCH_QUERY, LOGIN])));
  const sink = await startTraceSink();
  log('bench: starting the variants');
  const now = await startGateway(url, { env: { METRICS_PORT: String(metricsPort) } });
  const seeded = await seedBenchData(url);
  const metricsOff = await startGateway(url, { env: { METRICS_PORT: 'off' } });
  const tracing = await startGateway(url, {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink, OTEL_SERVICE_NAME: 'leadsy-bench', METRICS_PORT: 'off' },
  });
  const trusted = await startGateway(url, { env: { GRAPHQL_TRUSTED_DOCUMENTS: manifest, METRICS_PORT: 'off' } });
  const router = await startRouter(`${metricsOff.baseUrl}/graphql`);

  const variants: Variant[] = [
    ...started.map(({ name, server }) => ({ name, server, body: fullText, pids: [server.pid], results: [] })),
    { name: 'now, metrics off', server: metricsOff, body: fullText, pids: [metricsOff.pid], results: [] },
    {
      name: 'now, metrics on (scraped every second)',
      server: now,
      body: fullText,
      during: scrapeEvery(`http://127.0.0.1:${metricsPort}/metrics`),
      pids: [now.pid],
      results: [],
    },
    {
      name: 'now, metrics off, tracing on (every request sampled)',
      server: tracing,
      body: fullText,
      pids: [tracing.pid],
      results: [],
    },
    { name: 'now, metrics off, trusted documents enforced', server: trusted, body: fullText, pids: [trusted.pid], results: [] },
    { name: 'now, metrics on, APQ (hash only)', server: now, body: hashOnly, pids: [now.pid], results: [] },
    {
      name: 'now, metrics off, through an @apollo/gateway router (router + gateway CPU)',
      server: router,
      body: fullText,
      pids: [router.pid, metricsOff.pid],
      results: [],
    },
  ];
  const tokens = new Map<ServerProcess, string>();
  for (const { server } of variants) {
    if (!tokens.has(server)) tokens.set(server, await loginToken(server, seeded.superAdmin.email, seeded.superAdmin.password));
  }
  // APQ registers the document once, with its text.
  await postGraphql(now.baseUrl, JSON.stringify({ ...JSON.parse(hashOnly({ first: FIRST })), query: BENCH_QUERY }), {
    ...JSON_HEADERS,
    authorization: `Bearer ${tokens.get(now)}`,
  });

  for (let round = 1; round <= options.rounds; round += 1) {
    for (const variant of variants) {
      log(`  round ${round}/${options.rounds}: ${variant.name}`);
      const plan: RequestPlan = {
        method: 'POST',
        path: '/graphql',
        headers: { ...JSON_HEADERS, authorization: `Bearer ${tokens.get(variant.server)}` },
        body: variant.body({ first: FIRST }),
        check: graphqlSucceeded,
      };
      const stopDuring = variant.during?.();
      try {
        variant.results.push(await measureVariant(variant, plan, options.durations));
      } finally {
        stopDuring?.();
      }
    }
  }

  const machine = describeMachine(await serverVersion(url));
  const command = `npm run bench:features${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const report = [
    '# What each production feature costs: the nested query at first=100',
    '',
    `\`${command}\`, ${new Date(startedAt).toISOString()}, ${((Date.now() - startedAt) / 1000).toFixed(0)} s; ` +
      `${CONNECTIONS} connections, ${options.durations.measureS} s measured after ${options.durations.warmupS} s of warm-up per run.`,
    '',
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb.toFixed(0)} GB, ${machine.kernel}, Node ${machine.node}, PostgreSQL ${machine.postgres}.`,
    '',
    table(variants),
    '',
  ].join('\n');
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'features.md');
  writeFileSync(file, report);
  log(`\n${table(variants)}\n\nbench: wrote ${relative(ROOT, file)}`);
}

void runBenchmark('bench:features', log, parseOptions, run);
