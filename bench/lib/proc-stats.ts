import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** What Linux tells about a server process in /proc/<pid>/: memory and CPU time. */

export interface Memory {
  /** Resident set size now (VmRSS), in MiB. */
  rssMb: number;
  /** Peak resident set size (VmHWM) since the process started or since the last `resetPeakRss`, in MiB. */
  peakRssMb: number;
}

const CLOCK_TICKS_PER_SECOND = 100;
/**
 * How a server's settled RSS is read. V8 grows the heap under load to up to four times what is
 * live (on a machine with this much memory), and its memory reducer gives it back once allocation
 * has stayed low for a while: 283 → 105 MB after 12 s on an idle host, but once still 261 MB after
 * 20 s on a busy one. So the RSS is polled until it has fallen and then held for `SETTLE_STABLE_MS`.
 */
const SETTLE_POLL_MS = 1_000;
const SETTLE_STABLE_MS = 10_000;
const SETTLE_MAX_MS = 45_000;
/** A change smaller than this is noise (the idle import worker polls once a second). */
const SETTLE_NOISE_MB = 1;
const IDLE_POLL_MS = 250;
/** Below this share of one core, a server counts as idle (a Node process at rest uses ~0%). */
const IDLE_CPU_SHARE = 0.05;
const IDLE_TIMEOUT_MS = 60_000;

export function readMemory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kib('VmRSS') / 1024, peakRssMb: kib('VmHWM') / 1024 };
}

/**
 * VmRSS of a server left idle, in MiB, once it has given back what it grew under load: read when it
 * has fallen and not fallen further for `SETTLE_STABLE_MS`, or after `SETTLE_MAX_MS` in any case.
 */
export async function readSettledRss(pid: number): Promise<number> {
  const started = Date.now();
  let lowest = readMemory(pid).rssMb;
  let fell = false;
  let lowestSince = started;
  while (Date.now() - started < SETTLE_MAX_MS) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    const { rssMb } = readMemory(pid);
    if (rssMb < lowest - SETTLE_NOISE_MB) {
      [lowest, fell, lowestSince] = [rssMb, true, Date.now()];
    } else if (fell && Date.now() - lowestSince >= SETTLE_STABLE_MS) {
      return rssMb;
    }
  }
  return readMemory(pid).rssMb;
}

/**
 * Writing 5 to /proc/<pid>/clear_refs resets VmHWM to the current RSS, so each workload gets its
 * own peak. Returns false where the kernel or permissions do not allow it (the peak then runs
 * from the process start).
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** User + system CPU seconds of the process, all threads (libuv's pool included). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Waits until the server has finished the work of the previous run (requests autocannon gave up
 * on are still being served, hashes still computed), so it does not slow down the next run.
 * Returns false when it stayed busy until the timeout.
 */
export async function waitUntilIdle(pid: number): Promise<boolean> {
  const deadline = Date.now() + IDLE_TIMEOUT_MS;
  let previous = cpuSeconds(pid);
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
    const current = cpuSeconds(pid);
    if (current - previous < (IDLE_CPU_SHARE * IDLE_POLL_MS) / 1000) return true;
    previous = current;
  }
  return false;
}

/** CPU time spent in a measured window, per response answered in it, in milliseconds. */
export interface CpuPerRequest {
  /** The server process, all its threads. */
  serverMs: number;
  /** Every `postgres` process of this machine (backends and background workers); null when PostgreSQL runs elsewhere. */
  postgresMs: number | null;
  /** The statement-counting proxies between the servers and PostgreSQL. */
  proxyMs: number | null;
  /** The harness, whose only work during a window is autocannon's. */
  loadMs: number | null;
}

/** CPU seconds of each process named `postgres`, by pid. */
function postgresCpuByPid(): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') byPid.set(Number(entry), cpuSeconds(Number(entry)));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return byPid;
}

/**
 * What the `postgres` processes alive now spent since `before` (a backend started since counts
 * whole); null when none is visible. A backend that ended meanwhile takes its time with it.
 */
function postgresCpuSince(before: Map<number, number>): number | null {
  const now = postgresCpuByPid();
  if (!now.size) return null;
  let spent = 0;
  for (const [pid, seconds] of now) spent += seconds - (before.get(pid) ?? 0);
  return spent;
}

function harnessCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** CPU seconds spent since a meter started. */
export interface CpuSpent {
  serverS: number;
  postgresS: number | null;
  proxyS: number;
  loadS: number;
}

/**
 * Starts counting the CPU time of a server, of PostgreSQL, of the statement-counting proxies'
 * process and of this harness; the function returned reads what was spent since. On a shared
 * machine this says where the cores went, which requests per second alone cannot.
 */
export function startCpuMeter(serverPid: number, proxyPid: number): () => CpuSpent {
  const server = cpuSeconds(serverPid);
  const postgres = postgresCpuByPid();
  const proxy = cpuSeconds(proxyPid);
  const harness = harnessCpuSeconds();
  return () => ({
    serverS: cpuSeconds(serverPid) - server,
    postgresS: postgresCpuSince(postgres),
    proxyS: cpuSeconds(proxyPid) - proxy,
    loadS: harnessCpuSeconds() - harness,
  });
}

export function cpuPerRequest(spent: CpuSpent, requests: number): CpuPerRequest | null {
  if (requests <= 0) return null;
  const ms = (seconds: number) => (seconds * 1000) / requests;
  return {
    serverMs: ms(spent.serverS),
    postgresMs: spent.postgresS == null ? null : ms(spent.postgresS),
    proxyMs: ms(spent.proxyS),
    loadMs: ms(spent.loadS),
  };
}
