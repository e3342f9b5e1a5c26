/** What the job queue reports as it works (shared/metrics/job-metrics.ts counts it). */
export interface JobObserver {
  /** The workers of `queue` are about to start. */
  queueStarted(queue: string): void;
  attemptStarted(queue: string): void;
  /** An attempt (a batch's: one attempt of each of its jobs) ended after `seconds`, `failedJobs` of its jobs failed. */
  attemptEnded(queue: string, seconds: number, failedJobs: number): void;
  /** A statement on the queue's own pool failed. */
  statementFailed(): void;
}

/**
 * Runs an attempt of `size` jobs, telling `observer` when it starts, how long it took and how many
 * of its jobs failed (`attempt` answers that; a throw means all of them).
 */
export async function observeAttempt(
  observer: JobObserver | undefined,
  queue: string,
  size: number,
  attempt: () => Promise<number>,
): Promise<void> {
  if (!observer) {
    await attempt();
    return;
  }
  observer.attemptStarted(queue);
  const started = performance.now();
  let failed = size;
  try {
    failed = await attempt();
  } finally {
    observer.attemptEnded(queue, (performance.now() - started) / 1000, failed);
  }
}

/** A statement's promise, its failure told to `observer`. */
export async function countFailure<R>(observer: JobObserver | undefined, statement: Promise<R>): Promise<R> {
  try {
    return await statement;
  } catch (error) {
    observer?.statementFailed();
    throw error;
  }
}
