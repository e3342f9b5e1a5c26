import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * Jest gives every test file a module registry of its own: each file loads the app's 2,600 modules
 * again and runs them cold, about 3.5 s of a worker on a 2-core machine. So the specs
 * (`test/**\/*.spec.ts`) do not run as Jest's files: each file of test/batches/ runs a share of them
 * in one registry, every spec inside a describe named after it. The shares are dealt in turn over
 * the specs sorted by path, so that every spec runs exactly once; another batch file rebalances
 * them. A test file that needs a registry of its own (a process-wide switch read once, like
 * PERFORMANCE_TRICKS_OFF) stays a `*.test.ts` that Jest runs alone.
 */
const TEST_ROOT = join(__dirname, '..');
const BATCHES = join(TEST_ROOT, 'batches');
const BATCH_FILE = /^batch-\d+\.test\.ts$/;

/** Every spec under test/, by path from it, sorted. */
export function specPaths(): string[] {
  return readdirSync(TEST_ROOT, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.spec.ts'))
    .sort();
}

/** The specs of the batch file `batchFile` (its `__filename`). */
export function specsOfBatch(batchFile: string): string[] {
  const batches = readdirSync(BATCHES)
    .filter((name) => BATCH_FILE.test(name))
    .sort();
  const index = batches.indexOf(basename(batchFile));
  if (index < 0) throw new Error(`${batchFile} is not a batch file of ${BATCHES} (batch-<n>.test.ts)`);
  return specPaths().filter((_path, position) => position % batches.length === index);
}

/** Runs the specs of the batch file `batchFile` (its `__filename`), each in a describe named after its path. */
export function runBatch(batchFile: string): void {
  for (const path of specsOfBatch(batchFile)) {
    describe(path, () => {
      // Jest's require, inside the describe: the spec's hooks and tests become the describe's.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(join(TEST_ROOT, path));
    });
  }
}
