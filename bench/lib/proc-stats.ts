import { readFileSync, writeFileSync } from 'node:fs';

/** What Linux tells about a server process in /proc/<pid>/: memory and CPU time. */

export interface Memory {
  /** Resident set size now (VmRSS), in MiB. */
  rssMb: number;
  /** Peak resident set size (VmHWM) since the process started or since the last `resetPeakRss`, in MiB. */
  peakRssMb: number;
}

const CLOCK_TICKS_PER_SECOND = 100;
/**
 * How long a server is left alone before its settled RSS is read. V8 grows the heap under load to
 * up to four times what is live (on a machine with this much memory), and its memory reducer gives
 * it back once the allocation rate has stayed low for ~8 s (measured: 283 → 105 MB after 12 s).
 */
const SETTLE_MS = 20_000;
const IDLE_POLL_MS = 250;
/** Below this share of one core, a server counts as idle (a Node process at rest uses ~0%). */
const IDLE_CPU_SHARE = 0.05;
const IDLE_TIMEOUT_MS = 60_000;

export function readMemory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kib('VmRSS') / 1024, peakRssMb: kib('VmHWM') / 1024 };
}

/** VmRSS once the server has been left idle for `SETTLE_MS`, in MiB. */
export async function readSettledRss(pid: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
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
