import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where a run's files go (the copies of the template databases above all: about 105 of 41 MB and
 * 1,157 files each): a directory of its own in memory, /dev/shm, where copying and removing one
 * takes a fifth of the time it takes on disk. Tests find it as os.tmpdir(): Jest's workers and the
 * servers the tests start inherit TMPDIR. Without /dev/shm the run stays in the system's temp dir.
 */
const MEMORY_FILESYSTEM = '/dev/shm';
const RUN_DIRECTORY_ENV = 'GATEWAY_TEST_RUN_DIR';
/** `gateway-tests-<pid of the run's Jest process>-<random>`. */
const RUN_DIRECTORY = /^gateway-tests-(\d+)-/;

export function useRunDirectory(): void {
  if (!existsSync(MEMORY_FILESYSTEM)) return;
  removeAbandonedRunDirectories();
  const dir = mkdtempSync(join(MEMORY_FILESYSTEM, `gateway-tests-${process.pid}-`));
  // As /tmp: the private PostgreSQL servers of the fault suite run as the postgres user.
  chmodSync(dir, 0o1777);
  process.env[RUN_DIRECTORY_ENV] = dir;
  process.env.TMPDIR = dir;
}

/** Removes the run's directory with whatever the tests left in it. */
export function removeRunDirectory(): void {
  const dir = process.env[RUN_DIRECTORY_ENV];
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** What runs that were stopped before their tear-down left in memory. */
function removeAbandonedRunDirectories(): void {
  for (const name of readdirSync(MEMORY_FILESYSTEM)) {
    const pid = RUN_DIRECTORY.exec(name)?.[1];
    if (pid && !isRunning(Number(pid))) rmSync(join(MEMORY_FILESYSTEM, name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
