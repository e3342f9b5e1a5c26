import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { hashPassword } from '../src/modules/auth/passwords';
import { LOGIN } from '../test/helpers/documents';
import { runBenchmark } from './lib/cleanup';
import { ownDatabase, serverVersion, withClient } from './lib/database';
import { describeMachine } from './lib/machine';
import { ROOT, RESULTS_DIR } from './lib/paths';
import { readMemory, resetPeakRss, waitUntilIdle } from './lib/proc-stats';
import type { ServerProcess } from './lib/server-process';
import { buildGateway, startGateway } from './lib/servers';

/** The gateway as `npm run bench` starts it, retention off: the trail is the benchmark's. */
const WITHOUT_RETENTION = { AUDIT_RETENTION_DAYS: '0' };

/**
 * `npm run bench:audit-export [-- --events N] [--heap-cap MB] [--skip-build] [--keep-db]`: the
 * memory of `GET /api/v1/audit_events/export` over a long trail. On a database of its own it
 * inserts N audit events (1,000,000 by default) with one `insert … select generate_series`, starts
 * the compiled gateway as a child process, and streams the whole export through HTTP as a
 * super_admin, reading every byte. The gateway's RSS (VmRSS, /proc) is sampled every 20 ms during
 * the export, and its peak (VmHWM, reset when the export starts) read after it: the growth over the
 * RSS just before. A first export of a tenth of the events runs before, so that what is measured is
 * the export, not the first compilation of the code it runs.
 *
 * It does so twice: with Node's defaults, where V8 lets the old generation grow to several times
 * its live size before a full collection (the growth is that slack, whatever the export's length),
 * and with the heap capped (`--max-old-space-size`, 128 MB by default), where what the export
 * needs shows. Writes bench/results/audit-export.md (the main benchmark's latest.md is left alone).
 */

const DATABASE_NAME = 'leadsy_bench_audit_export';
const SUPER_ADMIN_EMAIL = 'audit-export@leadsy-bench.test';
const SAMPLE_MS = 20;
const log = (line: string) => process.stdout.write(`${line}\n`);

interface Options {
  events: number;
  heapCapMb: number;
  skipBuild: boolean;
  keepDatabase: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { events: 1_000_000, heapCapMb: 128, skipBuild: false, keepDatabase: false };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--events') {
      options.events = Number(argv[++index]);
      if (!Number.isInteger(options.events) || options.events < 1_000)
        throw new Error('--events takes a whole number of 1000 or more');
    } else if (arg === '--heap-cap') {
      options.heapCapMb = Number(argv[++index]);
      if (!Number.isInteger(options.heapCapMb) || options.heapCapMb < 64)
        throw new Error('--heap-cap takes a number of MB, 64 or more');
    } else if (arg === '--skip-build') options.skipBuild = true;
    else if (arg === '--keep-db') options.keepDatabase = true;
    else
      throw new Error(
        `unknown option ${arg}\nusage: npm run bench:audit-export [-- --events N] [--heap-cap MB] [--skip-build] [--keep-db]`,
      );
  }
  return options;
}

/** Events, one every 10 ms up to now (inside any retention), over the default company and none, with changes on a third. */
async function seed(url: string, events: number): Promise<{ password: string; first: string; tenth: string }> {
  const password = randomBytes(18).toString('base64url');
  const hash = await hashPassword(password);
  return withClient(url, async (client) => {
    await client.query('begin');
    const {
      rows: [admin],
    } = await client.query(
      `insert into users (first_name, last_name, email, status, password_hash) values ('Audit', 'Export', $1, 'active', $2) returning id`,
      [SUPER_ADMIN_EMAIL, hash],
    );
    await client.query(
      `insert into user_accesses (user_id, company_id, access_id, "primary")
       values ($1, (select id from companies where is_default), (select id from accesses where key = 'super_admin'), true)`,
      [admin.id],
    );
    await client.query(
      `insert into audit_events (occurred_at, actor_user_id, action, target_type, target_id, company_id, changes, request_id, client_ip, user_agent)
       select now() - ($1::int - g) * interval '10 milliseconds',
              case when g % 4 = 0 then null else $2::int end,
              (array['user.update', 'access.grant', 'session.login', 'company.create'])[1 + g % 4],
              (array['user', 'access', 'session', 'company'])[1 + g % 4],
              (g % 50000)::text,
              case when g % 5 = 0 then null else (select id from companies where is_default) end,
              case when g % 3 = 0 then jsonb_build_object('lastName', jsonb_build_object('old', 'Old ' || g, 'new', 'New ' || g)) end,
              gen_random_uuid()::text, '203.0.113.' || (g % 250),
              'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36'
         from generate_series(1, $1::int) g`,
      [events, admin.id],
    );
    await client.query('commit');
    await client.query('analyze audit_events');
    const {
      rows: [bounds],
    } = await client.query(
      `select min(occurred_at) as first, (select occurred_at from audit_events order by id offset $1 limit 1) as tenth from audit_events`,
      [Math.floor(events / 10)],
    );
    return { password, first: new Date(bounds.first).toISOString(), tenth: new Date(bounds.tenth).toISOString() };
  });
}

async function login(gateway: ServerProcess, password: string): Promise<string> {
  const response = await fetch(`${gateway.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: LOGIN, variables: { email: SUPER_ADMIN_EMAIL, password } }),
  });
  const json = (await response.json()) as { data?: { login?: { token?: string } }; errors?: unknown };
  const token = json.data?.login?.token;
  if (!token) throw new Error(`the super admin could not log in: ${JSON.stringify(json)}`);
  return token;
}

interface ExportRun {
  lines: number;
  bytes: number;
  seconds: number;
  rssBeforeMb: number;
  /** The highest VmRSS sampled during the export. */
  sampledPeakMb: number;
  /** VmHWM after the export, reset just before it (null where the kernel does not allow the reset). */
  hwmPeakMb: number | null;
  rssAfterMb: number;
  firstByteMs: number;
}

/** Streams one export to its end, counting its lines, while sampling the gateway's RSS. */
async function runExport(gateway: ServerProcess, token: string, query: string): Promise<ExportRun> {
  await waitUntilIdle(gateway.pid);
  const rssBeforeMb = readMemory(gateway.pid).rssMb;
  const canReset = resetPeakRss(gateway.pid);
  let sampledPeakMb = rssBeforeMb;
  const sampler = setInterval(() => {
    sampledPeakMb = Math.max(sampledPeakMb, readMemory(gateway.pid).rssMb);
  }, SAMPLE_MS);
  const started = performance.now();
  let firstByteMs = 0;
  let lines = 0;
  let bytes = 0;
  try {
    const response = await fetch(`${gateway.baseUrl}/api/v1/audit_events/export?${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (response.status !== 200) throw new Error(`the export answered ${response.status}: ${await response.text()}`);
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      if (!bytes) firstByteMs = performance.now() - started;
      bytes += chunk.length;
      for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) lines += 1;
    }
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  const after = readMemory(gateway.pid);
  return {
    lines,
    bytes,
    seconds,
    rssBeforeMb,
    sampledPeakMb: Math.max(sampledPeakMb, after.rssMb),
    hwmPeakMb: canReset ? after.peakRssMb : null,
    rssAfterMb: after.rssMb,
    firstByteMs,
  };
}

const mb = (value: number) => value.toFixed(1);

function describeRun(name: string, run: ExportRun): string {
  const peak = run.hwmPeakMb ?? run.sampledPeakMb;
  return (
    `| ${name} | ${run.lines.toLocaleString('en')} | ${(run.bytes / 1024 ** 2).toFixed(0)} | ${run.seconds.toFixed(1)} | ` +
    `${Math.round(run.lines / run.seconds).toLocaleString('en')} | ${run.firstByteMs.toFixed(0)} | ${mb(run.rssBeforeMb)} | ` +
    `${mb(run.sampledPeakMb)} | ${run.hwmPeakMb === null ? 'n/a' : mb(run.hwmPeakMb)} | **${mb(peak - run.rssBeforeMb)}** | ${mb(run.rssAfterMb)} |`
  );
}

async function run(options: Options, argv: string[]): Promise<void> {
  const startedAt = new Date();
  const url = new URL(await ownDatabase(DATABASE_NAME, { keep: options.keepDatabase }));
  if (!options.skipBuild) {
    log('audit-export: npm run build');
    await buildGateway();
  }
  log('audit-export: starting the gateway (it migrates the database)');
  let gateway = await startGateway(url.toString(), { env: WITHOUT_RETENTION });
  log(`audit-export: inserting ${options.events.toLocaleString('en')} audit events`);
  const seeded = performance.now();
  const { password, first, tenth } = await seed(url.toString(), options.events);
  const seedSeconds = (performance.now() - seeded) / 1000;
  log(`audit-export: inserted in ${seedSeconds.toFixed(1)} s`);
  const tenthQuery = `from=${encodeURIComponent(first)}&to=${encodeURIComponent(tenth)}`;

  const configurations: [string, string[]][] = [
    ['Node defaults', []],
    [`heap capped: --max-old-space-size=${options.heapCapMb}`, [`--max-old-space-size=${options.heapCapMb}`]],
  ];
  const rows: string[] = [];
  for (const [index, [name, flags]] of configurations.entries()) {
    if (index > 0) {
      await gateway.stop();
      log(`audit-export: restarting the gateway (${name})`);
      gateway = await startGateway(url.toString(), { nodeFlags: flags, env: WITHOUT_RETENTION });
    }
    const token = await login(gateway, password);
    log(`audit-export: ${name}: a first export of a tenth of the events (warm-up)`);
    const warmUp = await runExport(gateway, token, tenthQuery);
    log(`audit-export: ${name}: the whole export`);
    const whole = await runExport(gateway, token, '');
    // The logins wrote events too: at least every seeded one.
    if (whole.lines < options.events)
      throw new Error(`the export had ${whole.lines} lines, fewer than the ${options.events} events`);
    rows.push(describeRun(`${name}: first tenth (warm-up)`, warmUp), describeRun(`${name}: **whole trail**`, whole));
    log(`  ${rows.at(-1)}`);
  }

  const machine = describeMachine(await serverVersion(url.toString()));
  const command = `npm run bench:audit-export${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const elapsedS = (Date.now() - startedAt.getTime()) / 1000;
  const report = [
    '# Benchmark: the audit export in constant memory',
    '',
    `Command: \`${command}\` — ${startedAt.toISOString()}, ${elapsedS.toFixed(0)} s`,
    '',
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb.toFixed(1)} GB RAM, ${machine.kernel}; ` +
      `Node ${machine.node}; PostgreSQL ${machine.postgres}.`,
    '',
    '## How it was measured',
    '',
    `- A database of its own, \`${DATABASE_NAME}\`, migrated by the gateway; ${options.events.toLocaleString('en')} audit events ` +
      `inserted with one \`insert … select generate_series\` in ${seedSeconds.toFixed(1)} s (one every 10 ms up to now; four ` +
      'actions, a third with `changes`, a fifth without a company, a browser user agent: ~400 bytes a line), then `analyze`.',
    '- The gateway compiled (`dist/`), started as `npm run bench` starts it: a child process, NODE_ENV=production, ' +
      'LOG_LEVEL=warn, a pool of 10 connections, straight to PostgreSQL (no statement-counting proxy), retention off.',
    '- `GET /api/v1/audit_events/export` as a super_admin (Bearer token), read to its last byte by this harness with ' +
      '`fetch`, counting lines; the gateway runs the `auditEvents` operation in pages of 1,000, oldest first.',
    `- RSS: VmRSS of the gateway read from /proc just before the export (the server idle), sampled every ${SAMPLE_MS} ms ` +
      'during it, and VmHWM (the kernel’s own peak, reset through /proc/<pid>/clear_refs as the export starts) after it. ' +
      '**Growth** = peak (VmHWM, else the highest sample) − RSS before.',
    '- Each configuration exports the first tenth of the trail (from/to) first, so that the whole export measures what ' +
      'streaming holds, not the first compilation of the code on its path; that warm-up’s own growth is in the table too.',
    '- Two configurations of the same gateway: Node’s defaults, where V8 lets the old generation grow to up to about four ' +
      'times its live size before a full collection (the growth is that slack, of the same order for a tenth of the trail as for ' +
      'all of it, and given back by the next full collection), and the heap capped with `--max-old-space-size`, where V8 ' +
      'collects before growing and what the export itself needs shows. The export completing under the cap, at ' +
      'about the same rate, is the proof that it holds no more than a page or two.',
    '',
    '## Results',
    '',
    '| export | lines | MiB sent | s | events/s | first byte ms | RSS before MB | sampled peak MB | VmHWM MB | growth MB | RSS after MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
  ].join('\n');
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'audit-export.md');
  writeFileSync(file, report);
  log(`\n${report}`);
  log(`audit-export: wrote ${relative(ROOT, file)}`);
}

void runBenchmark('audit-export', log, parseOptions, run);
