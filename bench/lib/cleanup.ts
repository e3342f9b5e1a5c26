/**
 * Everything the benchmark starts registers how to stop it here; `cleanUp` runs the stops in
 * reverse order on success, on failure and on Ctrl-C, so no server, proxy, pool or database is
 * left behind.
 */

const STOP_TIMEOUT_MS = 20_000;

interface Stop {
  name: string;
  run: () => Promise<void> | void;
}

const stops: Stop[] = [];
let cleaning: Promise<void> | undefined;

/** Registers a stop; the returned function runs it early (and unregisters it). */
export function onCleanup(name: string, run: () => Promise<void> | void): () => Promise<void> {
  const stop = { name, run };
  stops.push(stop);
  return async () => {
    const index = stops.indexOf(stop);
    if (index === -1) return;
    stops.splice(index, 1);
    await runStop(stop);
  };
}

/** True once the cleanup has started: whatever fails after that is a consequence, not news. */
export function cleaningUp(): boolean {
  return cleaning !== undefined;
}

export function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    while (stops.length) await runStop(stops.pop()!);
  })();
  return cleaning;
}

/** Ctrl-C or a kill: stop everything, then exit with the conventional status. */
export function cleanUpOnSignals(log: (line: string) => void): void {
  for (const [signal, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      log(`\n${signal}: stopping everything the benchmark started…`);
      void cleanUp().finally(() => process.exit(status));
    });
  }
}

async function runStop(stop: Stop): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(stop.run),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), STOP_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    process.stderr.write(`bench: stopping ${stop.name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The whole life of a benchmark script: parse its arguments (exit 2 on bad ones), run it, and
 * clean up after a success, a failure (exit 1) or Ctrl-C.
 */
export async function runBenchmark<O>(
  name: string,
  log: (line: string) => void,
  parseOptions: (argv: string[]) => O,
  run: (options: O, argv: string[]) => Promise<void>,
): Promise<void> {
  const argv = process.argv.slice(2);
  let options: O;
  try {
    options = parseOptions(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  cleanUpOnSignals(log);
  try {
    await run(options, argv);
    await cleanUp();
    process.exit(0);
  } catch (error) {
    // Interrupted: the signal handler is stopping everything and exits with the signal's status.
    if (cleaningUp()) return;
    process.stderr.write(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await cleanUp();
    process.exit(1);
  }
}
