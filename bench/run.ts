import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { chartSvg, writeChartPng } from './lib/chart';
import { onCleanup, runBenchmark } from './lib/cleanup';
import { summariseProfiles } from './lib/cpu-profile';
import { benchDatabase, dropDatabase, recreateDatabase, serverVersion, viaProxy } from './lib/database';
import { LOGIN } from '../test/helpers/documents';
import { graphqlBody } from './lib/documents';
import { describeMachine } from './lib/machine';
import type { Target } from './lib/measure';
import { type BenchOptions, parseOptions, type WorkloadName } from './lib/options';
import { renderReport, resultsTable, targetsTable } from './lib/report';
import { seedBenchData, type SeededData } from './lib/seed';
import type { ServerProcess } from './lib/server-process';
import { ROOT, RESULTS_DIR } from './lib/paths';
import { buildGateway, startGateway, startLimitServer, startPostGraphile } from './lib/servers';
import { startStatementCounters } from './lib/statement-counters';
import { checkTargets } from './lib/targets';
import { type BenchContext, JSON_HEADERS, postGraphql } from './lib/workloads/context';
import { runImport } from './lib/workloads/import';
import { runLogin } from './lib/workloads/login';
import { runNestedQuery } from './lib/workloads/nested-query';
import { runOverload } from './lib/workloads/overload';
import { runRest } from './lib/workloads/rest';
import { runRssStability } from './lib/workloads/rss-stability';
import { runWrite } from './lib/workloads/write';

/**
 * `npm run bench`: seeds its own database, starts the gateway, PostGraphile and the physical limit
 * behind statement-counting proxies, runs every workload on each, and writes
 * bench/results/latest.md and latest.png. Everything it starts is stopped again, whatever happens.
 */

const log = (line: string) => process.stdout.write(`${line}\n`);

/** The workloads by their --only name; they run in the order of WORKLOAD_NAMES. */
const WORKLOADS: Record<WorkloadName, [string, (ctx: BenchContext) => Promise<void>]> = {
  nested: ['nested query (the contract’s benchmark query)', runNestedQuery],
  rest: ['REST list next to its GraphQL query', runRest],
  write: ['write mutation', runWrite],
  login: ['login burst', runLogin],
  overload: ['overload: the main workload at 50 and 2,000 connections', runOverload],
  rss: ['main workload again, for RSS growth', runRssStability],
  import: ['CSV import', runImport],
};

async function superAdminToken(gateway: ServerProcess, seeded: SeededData): Promise<string> {
  const body = graphqlBody(LOGIN, undefined, { email: seeded.superAdmin.email, password: seeded.superAdmin.password });
  const { json } = await postGraphql(gateway.baseUrl, body, { ...JSON_HEADERS });
  const token = json.data?.login?.token;
  if (typeof token !== 'string') throw new Error(`the super admin could not log in: ${JSON.stringify(json.errors ?? json)}`);
  return token;
}

async function run(options: BenchOptions, argv: string[]): Promise<void> {
  const startedAt = new Date();
  const db = benchDatabase();
  log(`bench: database ${new URL(db.url).pathname.slice(1)} on ${db.host}:${db.port}`);
  await recreateDatabase(db);
  // Registered first, so it runs last: after every server has let go of the database.
  if (!options.keepDatabase) onCleanup('database leadsy_bench', () => dropDatabase(db));
  if (options.skipBuild) log('bench: using dist/ as it is (--skip-build)');
  else {
    log('bench: npm run build');
    await buildGateway();
  }

  const counters = await startStatementCounters({ host: db.host, port: db.port });
  const throughProxy = async (name: Target['name']) => viaProxy(db.url, await counters.listen(name));
  mkdirSync(RESULTS_DIR, { recursive: true });
  log('bench: starting the gateway (it migrates the database)');
  const gateway = await startGateway(await throughProxy('gateway'));
  log('bench: seeding');
  const seeded = await seedBenchData(db.url);
  log('bench: starting PostGraphile and the limit server');
  const [postgraphile, limit] = await Promise.all([
    startPostGraphile(await throughProxy('postgraphile')),
    startLimitServer(await throughProxy('limit')),
  ]);
  const ctx: BenchContext = {
    targets: {
      gateway: { name: 'gateway', server: gateway, counters },
      postgraphile: { name: 'postgraphile', server: postgraphile, counters },
      limit: { name: 'limit', server: limit, counters },
    },
    seeded,
    gatewayToken: await superAdminToken(gateway, seeded),
    options,
    rows: [],
    skipped: [],
    profiles: new Map(),
    log,
  };
  for (const [name, workload] of options.only.map((only) => WORKLOADS[only])) {
    log(`bench: ${name}`);
    await workload(ctx);
  }

  const profileSummary = ctx.profiles.size
    ? [...ctx.profiles].map(([workload, paths]) => summariseProfiles(paths, `the measured windows of ${workload}`)).join('\n\n')
    : undefined;
  // A profiled run is slowed by the profiler: its report stands apart from the reference figures.
  const reportName = options.profile ? 'profile' : 'latest';
  const reportFile = join(RESULTS_DIR, `${reportName}.md`);
  const machine = describeMachine(await serverVersion(db.url));
  const targets = checkTargets(ctx.rows, options);
  const chartFile = join(RESULTS_DIR, `${reportName}.png`);
  let chartWritten = true;
  try {
    await writeChartPng(chartSvg(ctx.rows), chartFile);
  } catch (error) {
    chartWritten = false;
    ctx.skipped.push(`chart: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const elapsedS = (Date.now() - startedAt.getTime()) / 1000;
  const report = renderReport({
    command,
    startedAt,
    elapsedS,
    options,
    machine,
    rows: ctx.rows,
    skipped: ctx.skipped,
    targets,
    chartFile: chartWritten ? `${reportName}.png` : undefined,
    profileSummary,
  });
  writeFileSync(reportFile, report);

  log(`\n${resultsTable(ctx.rows)}\n`);
  for (const line of ctx.skipped) log(`- ${line}`);
  log(`\n${targetsTable(targets)}\n`);
  if (profileSummary) log(`${profileSummary}\n`);
  log(`bench: ${elapsedS.toFixed(0)} s; wrote ${relative(ROOT, reportFile)}${chartWritten ? ` and ${reportName}.png` : ''}`);
}

void runBenchmark('bench', log, parseOptions, run);
