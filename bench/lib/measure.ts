import { type RequestPlan, runLoad } from './load';
import {
  type CpuPerRequest,
  type CpuSpent,
  cpuPerRequest,
  readMemory,
  resetPeakRss,
  startCpuMeter,
  waitUntilIdle,
} from './proc-stats';
import type { EventLoopDelay, ServerProcess } from './server-process';
import type { StatementCounters } from './statement-counters';

export type ServerName = 'gateway' | 'postgraphile' | 'limit';

export interface Target {
  name: ServerName;
  server: ServerProcess;
  counters: StatementCounters;
}

export interface Durations {
  warmupS: number;
  measureS: number;
}

/** One line of the report: a server (or an in-process baseline) under one workload. */
export interface Row {
  workload: string;
  server: string;
  /** The denominators of the ratio columns within a workload and connection count. */
  baseline?: 'postgraphile' | 'limit';
  connections: number | null;
  requestsPerSecond: number;
  /** What `requestsPerSecond` counts when it is not HTTP requests (rows of an import). */
  unit?: string;
  p50Ms: number | null;
  p99Ms: number | null;
  completed: number;
  errors: number;
  /** Statements per request on the request path: those of the server's background connections are counted apart. */
  statementsPerRequest: number | null;
  /** Statements of the server's background connections (job queue, relay) per request, in the same sample. */
  backgroundStatementsPerRequest?: number;
  peakRssMb: number | null;
  /** RSS once the load stopped and the server went idle. */
  rssMb: number | null;
  /** RSS once the server has been left idle long enough to give back what it grew under load (RSS runs only). */
  settledRssMb?: number;
  eventLoopP99Ms: number | null;
  /** CPU time per request within the measured window: the server's, PostgreSQL's, the proxy's and the load generator's. */
  cpu: CpuPerRequest | null;
  notes: string[];
}

/**
 * A full check of one response before the load (status and JSON shape), since the load itself
 * only checks each response cheaply. Returns a problem or null.
 */
export type SampleCheck = (status: number, json: unknown) => string | null;

export interface Measurement {
  target: Target;
  workload: string;
  /** The server column, when it is not just the target's name. */
  label?: string;
  baseline?: Row['baseline'];
  plan: RequestPlan;
  sample: SampleCheck;
  connections: number;
  durations: Durations;
  /** With --profile: write a CPU profile of the server during the window to this path. */
  profileTo?: string;
}

/**
 * Checks one sample, then runs the load: a warm-up and the measured window in one go; req/s,
 * latencies and errors come from the window, where the peak RSS and the event-loop delay are
 * reset and read. SQL per request is counted apart, on requests that are all answered (see
 * `statementsPerRequest`). Waiting for idle also keeps one run's backlog out of the next.
 */
export async function measure(measurement: Measurement): Promise<Row> {
  const { target, workload, label, baseline, plan, sample, connections, durations, profileTo } = measurement;
  const { server } = target;
  const notes: string[] = [];
  if (!(await waitUntilIdle(server.pid))) notes.push('the server was still busy from the previous run');
  const problem = await checkSample(server.baseUrl, plan, sample);
  if (problem) notes.push(`sample response wrong: ${problem}`);

  let eventLoop: EventLoopDelay | undefined;
  let stopCpuMeter: (() => CpuSpent) | undefined;
  let cpuSpent: CpuSpent | undefined;
  const load = await runLoad(server.baseUrl, plan, connections, durations, {
    open: async () => {
      if (!resetPeakRss(server.pid)) notes.push('peak RSS since the process started (clear_refs not allowed)');
      await server.resetEventLoopDelay();
      if (profileTo) await server.startCpuProfile();
      stopCpuMeter = startCpuMeter(server.pid, target.counters.pid);
    },
    close: async () => {
      cpuSpent = stopCpuMeter!();
      eventLoop = await server.readEventLoopDelay();
      if (profileTo) await server.stopCpuProfile(profileTo);
    },
  });
  if (!(await waitUntilIdle(server.pid))) notes.push('the server stayed busy after the run');
  const memory = readMemory(server.pid);
  const statements = await statementsPerRequest(target, plan);
  if (load.firstBadResponse) notes.push(`first bad response: ${load.firstBadResponse}`);
  if (plan.refusedStatus)
    notes.push(
      `${(load.refused / load.windowS).toFixed(0)} req/s refused with ${plan.refusedStatus}, not counted in req/s and latencies`,
    );

  return {
    workload,
    server: label ?? target.name,
    baseline,
    connections,
    requestsPerSecond: load.requestsPerSecond,
    p50Ms: load.p50Ms,
    p99Ms: load.p99Ms,
    completed: load.completed,
    errors: load.errors + (problem ? 1 : 0),
    statementsPerRequest: statements.requestPath,
    backgroundStatementsPerRequest: statements.background,
    peakRssMb: memory.peakRssMb,
    rssMb: memory.rssMb,
    eventLoopP99Ms: eventLoop?.p99Ms ?? null,
    cpu: cpuSpent ? cpuPerRequest(cpuSpent, load.completed) : null,
    notes,
  };
}

/** Requests of the workload sent one after the other to count its statements. */
export const STATEMENT_SAMPLE_REQUESTS = 20;

/**
 * The statement count's delta from the idle server before to the idle server after
 * `STATEMENT_SAMPLE_REQUESTS` requests of the plan, each answered before the next is sent. Counted
 * under load instead, the requests autocannon abandons when its window closes would blur it: the
 * gateway does not execute a query whose client left while it waited for its turn.
 */
async function statementsPerRequest(
  target: Measurement['target'],
  plan: RequestPlan,
): Promise<{ requestPath: number; background: number }> {
  const before = await target.counters.settledStatements(target.name);
  for (let sent = 0; sent < STATEMENT_SAMPLE_REQUESTS; sent += 1) {
    const body = plan.next ? plan.next().body : plan.body;
    const response = await fetch(`${target.server.baseUrl}${plan.path}`, { method: plan.method, headers: plan.headers, body });
    await response.arrayBuffer();
  }
  const after = await target.counters.settledStatements(target.name);
  const background = (after.background - before.background) / STATEMENT_SAMPLE_REQUESTS;
  return { requestPath: (after.total - before.total) / STATEMENT_SAMPLE_REQUESTS - background, background };
}

async function checkSample(baseUrl: string, plan: RequestPlan, sample: SampleCheck): Promise<string | null> {
  const body = plan.next ? plan.next().body : plan.body;
  try {
    const response = await fetch(`${baseUrl}${plan.path}`, { method: plan.method, headers: plan.headers, body });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return `not JSON (${response.status}): ${text.slice(0, 200)}`;
    }
    return sample(response.status, json);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
