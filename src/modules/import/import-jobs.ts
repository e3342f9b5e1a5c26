import type { EntityManager } from '@mikro-orm/postgresql';
import { type Job, type JobHandler, type JobQueue, JOBS_SCHEMA, type QueueDefinition } from '../../db/job-queue';
import { queryPrepared } from '../../db/prepared-statements';
import { errorKind } from '../../shared/errors';
import { ImportMovedOnError } from './import-batch';
import { type ImportJobDeps, processImport } from './import-processing';
import { beginImport, failImport } from './import-state';

export const IMPORT_QUEUE = 'import';

export interface ImportJobData {
  importId: number;
}

export interface ImportQueueSettings {
  /** Rows per transaction. */
  batchSize: number;
  /** Retries of a failing attempt before the import ends as failed. */
  retryLimit: number;
  retryDelaySeconds: number;
}

/**
 * How long one attempt works before it hands the rest of its import to a new job. Well below the
 * queue's expiry, so a healthy attempt never expires, while a process that dies mid-import has its
 * job retried (by any process) soon after the expiry.
 */
const SLICE_MS = 15_000;
const EXPIRE_IN_SECONDS = 120;

export function importQueue(settings: ImportQueueSettings): QueueDefinition {
  return {
    name: IMPORT_QUEUE,
    retryLimit: settings.retryLimit,
    retryDelaySeconds: settings.retryDelaySeconds,
    expireInSeconds: EXPIRE_IN_SECONDS,
    concurrency: 1,
  };
}

/** Queues the processing of an import, in `em`'s transaction (the one that created the import). */
export function queueImportJob(jobs: JobQueue, em: EntityManager, importId: number): Promise<string> {
  return jobs.enqueue<ImportJobData>(em, IMPORT_QUEUE, { importId });
}

/**
 * One attempt at an import: it resumes after the last committed batch and works for at most
 * `SLICE_MS`, or until the process stops, then queues the rest as a new job in the same breath.
 * A failing attempt throws: the queue retries it with backoff, and the last attempt's failure ends
 * the import as failed, with the reason in its errors (`importFile.errors`, row 0).
 */
export function importJobHandler(
  deps: ImportJobDeps & { jobs: JobQueue },
  settings: ImportQueueSettings,
): JobHandler<ImportJobData> {
  return async (job) => {
    const { importId } = job.data;
    const log = deps.logger.child({ importId, job: job.id, attempt: job.attempt });
    try {
      const current = await beginImport(deps.orm.em.fork(), importId);
      if (!current) return;
      const sliceEnds = Date.now() + SLICE_MS;
      const end = await processImport(deps, current, {
        batchSize: settings.batchSize,
        shouldContinue: () => !job.stopping.aborted && Date.now() < sliceEnds,
      });
      if (end === 'paused') await queueImportJob(deps.jobs, deps.orm.em.fork(), importId);
      log.info({ end }, 'import job finished');
    } catch (error) {
      if (error instanceof ImportMovedOnError) {
        log.warn({ reason: error.message }, 'another attempt of this import committed first; this one ends');
        return;
      }
      log.error({ err: error }, 'import attempt failed');
      if (job.lastAttempt) await failImport(deps.orm.em.fork(), importId, { row: 0, message: givenUp(job, error) });
      throw error;
    }
  };
}

/** What an admin reads in the import's errors: how often it was tried and the kind of the last error, never its details. */
function givenUp(job: Job<ImportJobData>, error: unknown): string {
  const { name, code } = errorKind(error);
  const kind = [name, code].filter(Boolean).join(' ') || 'an unexpected error';
  return `the import could not be processed after ${job.attempt} attempts (last error: ${kind})`;
}

/**
 * Imports queued or processing without a job to carry them: those a gateway from before the job
 * queue left behind. Each gets a job; run once when the gateway starts. An import with a job gets
 * none, and an extra job would find the import done or moved on and end without writing.
 */
export async function queueOrphanedImports(jobs: JobQueue, em: EntityManager): Promise<void> {
  const orphans = await queryPrepared<{ id: number }>(
    em,
    `select i.id from import_files i
      where i.status in ('queued', 'processing')
        and not exists (select 1 from ${JOBS_SCHEMA}.job j
                         where j.name = '${IMPORT_QUEUE}' and j.state in ('created', 'retry', 'active')
                           and (j.data ->> 'importId')::int = i.id)
      order by i.id`,
    [],
  );
  for (const { id } of orphans) await queueImportJob(jobs, em, id);
}
