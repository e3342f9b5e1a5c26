import { type RequestPlan, runLoad } from './load';
import { readMemory, resetPeakRss, waitUntilIdle } from './proc-stats';
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
  statementsPerRequest: number | null;
  peakRssMb: number | null;
  /** RSS once the load stopped and the server went idle: the steady size the RSS targets are about. */
  rssMb: number | null;
  eventLoopP99Ms: number | null;
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
 * reset and read. SQL per request is the statement count's delta from the idle server before the
 * run to the idle server after it (requests autocannon gave up on still finish their SQL),
 * divided by the requests sent. Waiting for idle also keeps one run's backlog out of the next.
 */
export async function measure(measurement: Measurement): Promise<Row> {
  const { target, workload, label, baseline, plan, sample, connections, durations, profileTo } = measurement;
  const { server, counters } = target;
  const notes: string[] = [];
  if (!(await waitUntilIdle(server.pid))) notes.push('the server was still busy from the previous run');
  const problem = await checkSample(server.baseUrl, plan, sample);
  if (problem) notes.push(`sample response wrong: ${problem}`);

  const before = await counters.settledStatements(target.name);
  let eventLoop: EventLoopDelay | undefined;
  const load = await runLoad(server.baseUrl, plan, connections, durations, {
    open: async () => {
      if (!resetPeakRss(server.pid)) notes.push('peak RSS since the process started (clear_refs not allowed)');
      await server.resetEventLoopDelay();
      if (profileTo) await server.startCpuProfile();
    },
    close: async () => {
      eventLoop = await server.readEventLoopDelay();
      if (profileTo) await server.stopCpuProfile(profileTo);
    },
  });
  if (!(await waitUntilIdle(server.pid))) notes.push('the server stayed busy after the run');
  const after = await counters.settledStatements(target.name);
  const memory = readMemory(server.pid);
  if (load.firstBadResponse) notes.push(`first bad response: ${load.firstBadResponse}`);

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
    statementsPerRequest: load.sent ? (after - before) / load.sent : null,
    peakRssMb: memory.peakRssMb,
    rssMb: memory.rssMb,
    eventLoopP99Ms: eventLoop?.p99Ms ?? null,
    notes,
  };
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
