import type { Machine } from './machine';
import { type Row, STATEMENT_SAMPLE_REQUESTS } from './measure';
import type { BenchOptions } from './options';
import { DATASET } from './seed';
import type { TargetCheck } from './targets';

export interface ReportInput {
  command: string;
  startedAt: Date;
  elapsedS: number;
  options: BenchOptions;
  machine: Machine;
  rows: Row[];
  skipped: string[];
  targets: TargetCheck[];
  chartFile: string | undefined;
  profileSummary: string | undefined;
}

const fixed = (value: number | null | undefined, digits = 0) =>
  value == null || Number.isNaN(value) ? '—' : value.toFixed(digits);

/** The ratio of a row's throughput to the baseline row of its workload and connection count; none when either had errors. */
function ratioTo(rows: Row[], row: Row, baseline: NonNullable<Row['baseline']>): string {
  const base = rows.find(
    (other) => other.baseline === baseline && other.workload === row.workload && other.connections === row.connections,
  );
  if (!base || !(base.requestsPerSecond > 0)) return '—';
  if (row.errors || base.errors) return 'n/a (errors)';
  return `${(row.requestsPerSecond / base.requestsPerSecond).toFixed(2)}×`;
}

/** Server · PostgreSQL · statement proxy · load generator, in ms of CPU per request. */
function cpuCell(cpu: Row['cpu']): string {
  if (!cpu) return '—';
  return [cpu.serverMs, cpu.postgresMs, cpu.proxyMs, cpu.loadMs]
    .map((ms) => fixed(ms, ms != null && ms >= 10 ? 1 : 2))
    .join(' · ');
}

/** The results table, one line per server, workload and connection count. */
export function resultsTable(rows: Row[]): string {
  const lines = [
    '| workload | server | conns | req/s | p50 ms | p99 ms | errors | SQL/req | CPU ms/req: server · PG · proxy · load | peak RSS MB | RSS MB | ELD p99 ms | × PostGraphile | × limit |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const rate = `${fixed(row.requestsPerSecond, row.requestsPerSecond < 100 ? 1 : 0)}${row.unit ? ` ${row.unit}` : ''}`;
    lines.push(
      `| ${row.workload} | ${row.server} | ${row.connections ?? '—'} | ${rate} | ${fixed(row.p50Ms)} | ${fixed(row.p99Ms)} | ` +
        `${row.errors}${row.notes.length ? ' *' : ''} | ${statementsCell(row)} | ${cpuCell(row.cpu)} | ${fixed(row.peakRssMb)} | ${fixed(row.rssMb)} | ` +
        `${fixed(row.eventLoopP99Ms, 1)} | ${ratioTo(rows, row, 'postgraphile')} | ${ratioTo(rows, row, 'limit')} |`,
    );
  }
  return lines.join('\n');
}

/** The request path's statements, then those its background connections sent meanwhile (`+0.35`), when any. */
function statementsCell(row: Row): string {
  const background = row.backgroundStatementsPerRequest ?? 0;
  return `${fixed(row.statementsPerRequest, 2)}${background >= 0.005 ? ` +${fixed(background, 2)}` : ''}`;
}

export function targetsTable(targets: TargetCheck[]): string {
  const mark = { met: '✅ met', missed: '❌ missed', 'not measured': '— not measured' } as const;
  return [
    '| target | measured | verdict |',
    '| --- | --- | --- |',
    ...targets.map((check) => `| ${check.target} | ${check.measured} | ${mark[check.verdict]} |`),
  ].join('\n');
}

function notesList(rows: Row[]): string[] {
  return rows.flatMap((row) =>
    row.notes.map((note) => `- ${row.workload} / ${row.server}${row.connections ? ` / ${row.connections} conns` : ''}: ${note}`),
  );
}

export function renderReport(input: ReportInput): string {
  const { machine, options } = input;
  const packages = Object.entries(machine.packages)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  return [
    '# Benchmark: the gateway, PostGraphile and the physical limit',
    '',
    `Command: \`${input.command}\` — ${input.startedAt.toISOString()}, ${input.elapsedS.toFixed(0)} s` +
      (options.quick ? ' (**quick run**: short, noisy runs; not the reference figures)' : '') +
      (options.profile
        ? ' (**profiled**: the gateway was CPU-profiled during its nested-query runs at first=10 and 100, its write runs and its overload runs, which slows them)'
        : ''),
    '',
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb.toFixed(1)} GB RAM, ${machine.kernel}; ` +
      `Node ${machine.node}; PostgreSQL ${machine.postgres}.`,
    '',
    `Packages: ${packages}.`,
    '',
    '## How it was measured',
    '',
    `- One PostgreSQL database, \`leadsy_bench\`, migrated by the gateway and seeded with ${DATASET.users.toLocaleString('en')} users ` +
      `over ${(DATASET.rootCompanies * (1 + DATASET.childrenPerRoot)).toLocaleString('en')} companies (${DATASET.rootCompanies} roots × ` +
      `${DATASET.childrenPerRoot} children), 1–3 accesses per user (one primary), a super admin and ${DATASET.loginUsers} login users.`,
    '- Three servers, each a child process with a pool of 10 connections, all on this machine: **gateway** (`node --max-semi-space-size=32 dist/src/main.js`, as `npm start` runs it, ' +
      'NODE_ENV=production, LOG_LEVEL=warn), **postgraphile** (v5, amber preset, bench/postgraphile-server.mjs; it declares Node ≥ 22, ' +
      'so on older Node its process gets a `Promise.withResolvers` polyfill) and **limit** ' +
      '(node:http + pg, one prepared statement building the JSON in PostgreSQL, bench/limit-server.mjs).',
    '- The gateway answers as a super_admin (Bearer token); PostGraphile and the limit run without authentication or authorisation.',
    "- PostGraphile's query asks for the same data in its own naming; it has no computed `fullName`, `avatarUrl` or `primaryCompany`, " +
      'so it returns the underlying columns and the parent of every granted company. The limit returns exactly what the gateway returns ' +
      '(compared at first=10 before the runs).',
    `- autocannon on 127.0.0.1, ${options.connections.join(' and ')} connections: one continuous run per line, a ` +
      `${options.durations.warmupS} s warm-up then a ${options.durations.measureS} s measured window, which opens only once every ` +
      'connection has had its first answer (the connections are opened at one instant, and a saturated server accepts the last of ' +
      '2,000 seconds later: the start of a run, not its steady state); req/s, latencies and errors count ' +
      'the responses received in the window; between runs the harness waits until the server is idle. ' +
      'Errors are non-2xx answers, socket errors and answers carrying GraphQL `errors` ' +
      '(every response is checked; a wrong-password login must fail with UNAUTHENTICATED), plus a fully parsed sample before each run.',
    '- SQL/req: each server reaches PostgreSQL through its own wire-protocol proxy (bench/pg-statement-counter.ts) that counts simple ' +
      'Query and extended-protocol Execute messages (BEGIN/COMMIT included); after each run, its delta from the idle server before ' +
      `to the idle server after ${STATEMENT_SAMPLE_REQUESTS} requests of the workload sent one at a time, divided by ${STATEMENT_SAMPLE_REQUESTS}. ` +
      "The statements of the gateway's background connections (its job queue's polling, the webhook relay and pg-boss's maintenance, " +
      "known by their `application_name`) are counted apart, after a `+` (`3.00 +0.10`): they are not the request's, though a " +
      "write's domain event is what the relay then hands on. The CSV import, background work itself, counts all its statements.",
    '- CPU ms/req: CPU time (user + system, from /proc) spent during the measured window, divided by the responses in it: ' +
      "of the server process (all threads: libuv's pool hashes passwords), of the `postgres` processes on the machine (backends " +
      'and background workers; a backend that exits during the window takes its time with it), of the process hosting the ' +
      'statement-counting proxies, and of the harness, where autocannon generates the load. Two cores give 2,000 ms of CPU per ' +
      'second: the four figures together bound what a workload can reach on this machine, ' +
      'and they stay meaningful when other tenants of the host slow the run down. For the raw Argon2id line, the server figure is ' +
      "the harness's own CPU per verification; for the import, the figures are per row.",
    '- Peak RSS: VmHWM of the server process, reset when the window opens; RSS: VmRSS once the run ended and the server went idle. ' +
      'Settled RSS (the RSS targets): VmRSS of the gateway left idle after each run of the main workload again, read once it has fallen and stayed there for 10 s (45 s at most), i.e. once V8 has given back ' +
      'the heap it grew under load (on this machine it lets the heap grow to ~4× what is live, and returns it when allocation stops). ' +
      'ELD p99: the event-loop delay of the server during the window (a perf_hooks histogram preloaded with `node --import bench/lib/server-probe.mjs`, sampling every 10 ms; its values are the intervals between samples, so the 10 ms are taken off).',
    "- Login: the gateway's `login` mutation next to Argon2id verifications at the same parameters and concurrency in the harness " +
      'process (`hashPassword`/`verifyPassword` of src/modules/auth/passwords.ts).',
    '- Ratios: requests per second over those of PostGraphile and of the limit in the same workload and connection count.',
    '',
    '## Results',
    '',
    resultsTable(input.rows),
    '',
    ...(notesList(input.rows).length ? ['Notes (*):', '', ...notesList(input.rows), ''] : []),
    ...(input.skipped.length ? ['Not run, and warnings:', '', ...input.skipped.map((line) => `- ${line}`), ''] : []),
    ...(input.chartFile ? [`![requests per second](${input.chartFile})`, ''] : []),
    '## Targets of the issue',
    '',
    targetsTable(input.targets),
    '',
    ...(input.profileSummary ? ['## Profile', '', input.profileSummary, ''] : []),
  ].join('\n');
}
