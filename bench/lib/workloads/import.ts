import { START_IMPORT } from '../../../test/helpers/documents';
import { base64Of } from '../../../test/helpers/uploads';
import { pollUntil } from '../../../test/helpers/wait';
import { GATEWAY_IMPORT_PROGRESS, graphqlBody } from '../documents';
import { cpuPerRequest, readMemory, resetPeakRss, startCpuMeter, waitUntilIdle } from '../proc-stats';
import type { Row, Target } from '../measure';
import { type BenchContext, gatewayHasMutation, gatewayHeaders, graphqlProblem, JSON_HEADERS, postGraphql } from './context';

export const importWorkload = (rows: number) => `CSV import ${rows.toLocaleString('en')} rows`;
const POLL_MS = 250;
const IMPORT_TIMEOUT_MS = 300_000;

// Every 33rd row has a bad email, so the error path runs too.
const BAD_EVERY = 33;
const expectedBadRows = (rows: number) => Math.floor(rows / BAD_EVERY);

/** An import file of new users (emails unique per server, so each run creates every good row). */
function importCsv(rows: number, tag: string): Buffer {
  const lines = ['email,first_name,last_name,access'];
  for (let row = 1; row <= rows; row += 1) {
    lines.push(
      row % BAD_EVERY === 0
        ? `not-an-email-${row},Bad,Row,member`
        : `import-${tag}-${row}@bench-import.test,Imported,User${row},member`,
    );
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

interface Timed {
  /** From the request to the last committed row. */
  seconds: number;
  /** Users created and rows refused: right when they are exactly the good and the bad rows. */
  created: number;
  refused: number;
  problem?: string;
  notes: string[];
}

/**
 * Times one import from the request to the last committed row, with the statement delta, the
 * peak RSS, the event-loop delay and the CPU time (per row) of the server meanwhile.
 */
async function timeImport(target: Target, workload: string, rows: number, run: () => Promise<Timed>): Promise<Row> {
  await waitUntilIdle(target.server.pid);
  const before = await target.counters.settledStatements(target.name);
  resetPeakRss(target.server.pid);
  await target.server.resetEventLoopDelay();
  const stopCpuMeter = startCpuMeter(target.server.pid, target.counters.pid);
  const timed = await run();
  const cpuSpent = stopCpuMeter();
  const eventLoop = await target.server.readEventLoopDelay();
  const after = await target.counters.settledStatements(target.name);
  const memory = readMemory(target.server.pid);
  const bad = expectedBadRows(rows);
  const problem =
    timed.problem ??
    (timed.created === rows - bad && timed.refused === bad
      ? undefined
      : `${timed.created} created and ${timed.refused} refused, expected ${rows - bad} and ${bad}`);
  return {
    workload,
    server: target.name,
    baseline: target.name === 'limit' ? 'limit' : undefined,
    connections: null,
    requestsPerSecond: rows / timed.seconds,
    unit: 'rows/s',
    p50Ms: null,
    p99Ms: null,
    completed: timed.created,
    errors: problem ? 1 : 0,
    // The import runs in the background: all of its statements count.
    statementsPerRequest: (after.total - before.total) / rows,
    peakRssMb: memory.peakRssMb,
    rssMb: memory.rssMb,
    eventLoopP99Ms: eventLoop.p99Ms,
    cpu: cpuPerRequest(cpuSpent, rows),
    notes: [
      `${timed.seconds.toFixed(2)} s for ${rows} rows (${bad} bad), request to completion: ${timed.created} created, ` +
        `${timed.refused} refused; SQL and CPU columns are per row`,
      ...timed.notes,
      ...(problem ? [problem] : []),
    ],
  };
}

/**
 * `startImport` with the file in base64, then `importFile` every POLL_MS until the worker is done.
 * Besides the time from the request, the worker's own time (its startedAt to finishedAt).
 */
async function gatewayImport(ctx: BenchContext, rows: number): Promise<Timed> {
  const { baseUrl } = ctx.targets.gateway.server;
  const headers = gatewayHeaders(ctx);
  const csv = importCsv(rows, 'gateway');
  const batch = process.env.IMPORT_BATCH_SIZE
    ? `IMPORT_BATCH_SIZE=${process.env.IMPORT_BATCH_SIZE}`
    : "the gateway's default batch";
  const fileNote = `${(csv.length / 1024).toFixed(0)} KiB file, ${batch}`;
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const startBody = graphqlBody(START_IMPORT, undefined, {
    c: String(ctx.seeded.importCompanyId),
    b: base64Of(csv, 'bench-import.csv', 'text/csv'),
  });
  const start = await postGraphql(baseUrl, startBody, headers);
  const problem = graphqlProblem(start.status, start.json);
  if (problem) return { seconds: elapsed(), created: 0, refused: 0, problem: `startImport: ${problem}`, notes: [fileNote] };

  const id = start.json.data!.startImport.id as string;
  let polls = 0;
  let file: Record<string, any> | undefined;
  let failure: string | undefined;
  try {
    await pollUntil(
      async () => {
        polls += 1;
        const progress = await postGraphql(baseUrl, graphqlBody(GATEWAY_IMPORT_PROGRESS, 'ImportProgress', { id }), headers);
        file = progress.json.data?.importFile ?? undefined;
        if (!file) failure = `importFile: ${graphqlProblem(progress.status, progress.json)}`;
        return !file || file.status === 'COMPLETED' || file.status === 'FAILED';
      },
      `import ${id}`,
      { timeoutMs: IMPORT_TIMEOUT_MS, intervalMs: POLL_MS },
    );
  } catch {
    failure = `not finished after ${elapsed().toFixed(0)} s (${file?.processedRows ?? 0} rows)`;
  }
  const seconds = elapsed();
  if (file?.status === 'FAILED') failure = 'the import FAILED';
  const workerS = (Date.parse(file?.finishedAt) - Date.parse(file?.startedAt)) / 1000;
  const notes = [
    fileNote,
    ...(Number.isFinite(workerS)
      ? [`worker ${workerS.toFixed(2)} s (startedAt to finishedAt): ${(rows / workerS).toFixed(0)} rows/s`]
      : []),
    `status ${file?.status ?? '—'}, totalRows ${file?.totalRows ?? '—'}; the SQL includes ${polls} progress polls (importFile every ${POLL_MS} ms)`,
  ];
  return { seconds, created: file?.createdCount ?? 0, refused: file?.failedCount ?? 0, problem: failure, notes };
}

/** The limit: one request, one set-based INSERT of the same rows. */
async function limitImport(ctx: BenchContext, rows: number): Promise<Timed> {
  const data = importCsv(rows, 'limit').toString('base64');
  const started = performance.now();
  const body = graphqlBody('', 'ImportUsers', { data, companyId: ctx.seeded.importCompanyId });
  const answer = await postGraphql(ctx.targets.limit.server.baseUrl, body, { ...JSON_HEADERS });
  const seconds = (performance.now() - started) / 1000;
  const created = Number(answer.json.data?.importUsers?.createdCount ?? 0);
  const refused = Number(answer.json.data?.importUsers?.refusedCount ?? 0);
  const problem = graphqlProblem(answer.status, answer.json) ?? undefined;
  return { seconds, created, refused, problem, notes: [] };
}

/** The gateway's background CSV import against one set-based INSERT of the same rows. */
export async function runImport(ctx: BenchContext): Promise<void> {
  const rows = ctx.options.importRows;
  const workload = importWorkload(rows);
  if (!(await gatewayHasMutation(ctx, 'startImport'))) {
    ctx.skipped.push(`${workload}: skipped, the gateway has no startImport mutation yet`);
    return;
  }
  ctx.log(`  ${workload}, gateway`);
  ctx.rows.push(await timeImport(ctx.targets.gateway, workload, rows, () => gatewayImport(ctx, rows)));
  ctx.log(`  ${workload}, limit`);
  ctx.rows.push(await timeImport(ctx.targets.limit, workload, rows, () => limitImport(ctx, rows)));
}
