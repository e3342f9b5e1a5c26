import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import PgBoss from 'pg-boss';
import type { Logger } from '../shared/logger';
import { withPooledConnection } from '../shared/pooled-connection';
import { withTimeout } from '../shared/with-timeout';
import { traceContextOf, withoutTraceContext, withTraceContext } from '../shared/tracing/job-trace-context';
import type { Tracing } from '../shared/tracing/tracing';
import { countFailure, type JobObserver, observeAttempt } from './job-observer';
import type { DatabaseNotifications } from './notifications';

/** Notified (payload: the queue's name) in the transaction that enqueues a job: workers of every process wake when it commits. */
export const JOBS_CHANNEL = 'leadsy_jobs';

/** The `application_name` of the workers' connections, to tell their statements apart (pg_stat_activity, logs). */
export const JOBS_APPLICATION_NAME = 'leadsy-jobs';

/** Where pg-boss keeps its tables; it creates and migrates this schema itself when it starts. */
export const JOBS_SCHEMA = 'pgboss';

/** A kind of background work, with how its failures are retried. */
export interface QueueDefinition {
  name: string;
  /** Retries after the first attempt; a job whose last attempt fails ends as `failed`. */
  retryLimit: number;
  /** Seconds before the first retry; each further retry waits about twice as long (pg-boss adds jitter). */
  retryDelaySeconds: number;
  /**
   * How long one attempt may run. A longer attempt counts as failed (and is retried), and a job
   * whose process died is retried once this has passed: keep the work of one attempt well below it.
   */
  expireInSeconds: number;
  /** Attempts run at once in this process (workers; a batch worker takes up to `batchSize` jobs at a time). */
  concurrency: number;
  /** For `workInBatches`: jobs a worker takes at once. */
  batchSize?: number;
}

export interface Job<T> {
  id: string;
  data: T;
  /** 1 for the first attempt. */
  attempt: number;
  /** True when failing now ends the job as failed: no retry follows. */
  lastAttempt: boolean;
  /** Aborted when the process stops: long work ends at its next safe point (and enqueues its rest). */
  stopping: AbortSignal;
}

export type JobHandler<T> = (job: Job<T>) => Promise<void>;

/**
 * What became of one job of a batch: done (undefined), failed (the error: retried with backoff, an
 * attempt used up), or deferred behind another job of the batch that failed (`{ after: its id }`):
 * not attempted, and taken again, as the same attempt, when that job's retry is due.
 */
export type BatchOutcome = Error | { after: string } | undefined;

/** Handles jobs taken together; answers, per job in the same order, its outcome. */
export type BatchJobHandler<T> = (jobs: Job<T>[]) => Promise<BatchOutcome[]>;

export interface JobQueueOptions {
  /** The database's connection URL: the workers (and `transaction`) use a pool of their own. */
  connectionUrl: string;
  /** Connections of that pool (the embedded database serves one statement at a time: 1 there). */
  poolMax: number;
  /** How often an idle worker looks for jobs nobody woke it for (a job enqueued before a restart, a due retry). */
  pollIntervalSeconds: number;
  notifications: DatabaseNotifications;
  logger: Logger;
  /** When on, a job carries the trace context of the request that queued it and runs in a span linked to it. */
  tracing?: Tracing;
  /** Told of every attempt and every failed statement of the queue's pool (the metrics). */
  observer?: JobObserver;
}

/**
 * `queuedJobs` counts at most this many jobs per queue: a scrape's cost stays bounded however long
 * a queue grows, and a queue this long is alarming whatever its exact length.
 */
export const QUEUED_JOBS_COUNT_LIMIT = 10_000;

/** pg-boss's `completeJobs` and `failJobsById` statements: those that end an attempt. */
const SETTLES_A_JOB =
  /^\s*WITH (?:results AS \(\s*UPDATE \S+\.job\s+SET completed_on = now\(\),\s*state = 'completed'|deleted_jobs AS \(\s*DELETE FROM \S+\.job\s+WHERE name = \$1 AND id IN)/;

/** pg-boss's `fetchNextJob` statement: a worker taking its next jobs. */
const FETCHES_JOBS = /^\s*WITH next as \(\s*SELECT id, singleton_key, policy\s+FROM \S+\.job\s/;

/** A driver connection: knex's, or one of the queue's own pool. */
interface DriverConnection {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** A transaction on the queue's own pool (see `JobQueue.transaction`). */
export interface JobTransaction {
  query<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  enqueueMany<T extends object>(queue: string, jobs: { data: T; priority?: number }[]): Promise<void>;
}

/**
 * Background work on pg-boss: jobs live in PostgreSQL, so they survive a restart, every process
 * shares them (`for update skip locked`), and each job runs once at a time, retried with
 * exponential backoff until its queue's retry limit.
 *
 * A job is enqueued through MikroORM's connection, inside the caller's transaction when there is
 * one: it exists exactly when the change that asked for it committed. The same transaction
 * notifies `JOBS_CHANNEL`, so the workers of every process wake on commit instead of at their next
 * poll; on the embedded database the notification arrives on MikroORM's own connection, which is
 * why a request's enqueueing never goes through the queue's pool. The workers, pg-boss's
 * maintenance and `transaction` use that pool of their own (`poolMax`), so background work never
 * takes a connection a request waits for.
 */
export class JobQueue {
  private readonly pool: Pool;
  private readonly boss: PgBoss;
  private readonly queues = new Map<string, QueueDefinition>();
  private readonly workerIds = new Map<string, string[]>();
  private readonly stopping = new AbortController();
  private unlisten: (() => Promise<void>) | undefined;
  private started = false;
  /** pg-boss's statements not answered yet, and the attempts still running: `stop` waits for them. */
  private readonly statements = new Set<Promise<unknown>>();
  private readonly attempts = new Set<Promise<unknown>>();

  constructor(private readonly options: JobQueueOptions) {
    this.pool = new Pool({
      connectionString: options.connectionUrl,
      max: options.poolMax,
      application_name: JOBS_APPLICATION_NAME,
      keepAlive: true,
    });
    // An idle connection that breaks (a database restart) is dropped by the pool; the next query opens another.
    this.pool.on('error', (error) => options.logger.warn({ err: error }, 'a job queue connection failed'));
    this.boss = new PgBoss({
      db: { executeSql: (text, values) => this.executeSql(text, values) },
      schema: JOBS_SCHEMA,
      // No cron schedules: their clock monitor would only cost statements.
      schedule: false,
      // Expired attempts (a process that died) are found and retried at this pace; pg-boss's default is 2 minutes.
      maintenanceIntervalSeconds: 30,
    });
    this.boss.on('error', (error) => options.logger.warn({ err: error }, 'job queue error'));
  }

  /**
   * pg-boss's statements, on the queue's pool. pg-boss 10 records the end of an attempt (its
   * `complete` or `fail` statement) without awaiting it: when the database is unreachable then, the
   * rejection would go unhandled and the job stay active until it expires and runs again. Those two
   * statements are retried here, with a doubling wait, until they succeed or the queue stops.
   */
  private executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    // Once stopping, a worker takes no more jobs: its fetch finds none, without a statement.
    if (this.stopping.signal.aborted && FETCHES_JOBS.test(text)) return Promise.resolve({ rows: [] });
    return tracked(this.statements, this.runSql(text, values));
  }

  private async runSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    if (!SETTLES_A_JOB.test(text)) return countFailure(this.options.observer, this.pool.query(text, values));
    for (let waitMs = 100; ; waitMs = Math.min(waitMs * 2, 5_000)) {
      try {
        return await countFailure(this.options.observer, this.pool.query(text, values));
      } catch (error) {
        const stopping = this.stopping.signal.aborted;
        this.options.logger.warn({ err: error, retryInMs: stopping ? null : waitMs }, 'could not record the end of a job');
        // The job stays active; once it expires, pg-boss's maintenance retries it.
        if (stopping) return { rows: [{ count: 0 }] };
        // A stop cuts the wait short: the next try is the last, and `stop` does not wait out the backoff.
        await sleep(waitMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      }
    }
  }

  /** Creates pg-boss's schema when missing, then each queue (or brings its retry settings up to date). */
  async start(queues: QueueDefinition[]): Promise<void> {
    await this.boss.start();
    this.started = true;
    for (const queue of queues) {
      const settings = {
        name: queue.name,
        retryLimit: queue.retryLimit,
        retryDelay: queue.retryDelaySeconds,
        retryBackoff: true,
        expireInSeconds: queue.expireInSeconds,
      };
      if (await this.boss.getQueue(queue.name)) await this.boss.updateQueue(queue.name, settings);
      else
        await this.boss.createQueue(queue.name, settings).catch(async (error: unknown) => {
          // Another process created it between the two statements.
          if (!(await this.boss.getQueue(queue.name))) throw error;
        });
      this.queues.set(queue.name, queue);
      this.options.observer?.queueStarted(queue.name);
    }
    this.unlisten = await this.options.notifications.listen([JOBS_CHANNEL], {
      onNotification: (_channel, queue) => this.wake(queue),
      // Jobs enqueued while the connection was down are found by polling; waking costs nothing.
      onReconnected: () => this.queues.forEach((_queue, name) => this.wake(name)),
    });
  }

  /**
   * Enqueues a job with `em`'s connection: in its transaction when it is in one (the job and the
   * wake-up then commit or roll back with the change), otherwise on its own. Returns the job's id.
   */
  async enqueue<T extends object>(em: EntityManager, queue: string, data: T): Promise<string> {
    if (!this.queues.has(queue)) throw new Error(`unknown job queue ${queue}`);
    return withDriverConnection(em, async (connection) => {
      const db = { executeSql: (text: string, values: unknown[]) => connection.query(text, values) };
      const id = await this.boss.send(queue, withTraceContext(data, this.options.tracing), { db });
      if (!id) throw new Error(`job queue ${queue} did not accept the job`);
      await connection.query('select pg_notify($1, $2)', [JOBS_CHANNEL, queue]);
      return id;
    });
  }

  /**
   * Like `enqueue`, many jobs of one queue with one statement (and one wake-up); workers take the
   * highest `priority` first (default 0), then the oldest job.
   */
  async enqueueMany<T extends object>(em: EntityManager, queue: string, jobs: { data: T; priority?: number }[]): Promise<void> {
    await withDriverConnection(em, (connection) => this.insert(connection, queue, jobs));
  }

  /**
   * Runs `work` in a transaction on the queue's own pool, for background work that reads and
   * writes next to the jobs it queues (the webhook relay): it never takes a connection a request
   * could use. This process's workers are woken when it commits.
   */
  async transaction<T>(work: (tx: JobTransaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A connection that breaks while checked out reports it here (the pool only listens to idle ones):
    // without a listener the error would end the process. The statement in flight fails as well.
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
      this.options.logger.warn({ err: error }, 'a job queue connection failed in a transaction');
    };
    client.on('error', onError);
    const enqueued = new Set<string>();
    try {
      await client.query('begin');
      const result = await work({
        query: async <R>(text: string, values: unknown[] = []) =>
          (await countFailure(this.options.observer, client.query(text, values))).rows as R[],
        enqueueMany: async (queue, jobs) => {
          await this.insert(client, queue, jobs);
          if (jobs.length) enqueued.add(queue);
        },
      });
      await client.query('commit');
      enqueued.forEach((queue) => this.wake(queue));
      return result;
    } catch (error) {
      broken ??= error as Error;
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.off('error', onError);
      // A failed transaction's connection is closed rather than reused: it may be the broken one.
      client.release(broken);
    }
  }

  private async insert<T extends object>(connection: DriverConnection, queue: string, jobs: { data: T; priority?: number }[]) {
    if (!this.queues.has(queue)) throw new Error(`unknown job queue ${queue}`);
    if (!jobs.length) return;
    const db = { executeSql: (text: string, values: unknown[]) => connection.query(text, values) };
    await this.boss.insert(
      jobs.map(({ data, priority }) => ({
        name: queue,
        data: withTraceContext(data, this.options.tracing),
        ...(priority ? { priority } : {}),
      })),
      { db },
    );
    await connection.query('select pg_notify($1, $2)', [JOBS_CHANNEL, queue]);
  }

  /** Runs `handler` for the jobs of `queue`, `concurrency` at a time in this process. Call after `start`. */
  async work<T extends object>(queue: string, handler: JobHandler<T>): Promise<void> {
    await this.workers<T>(queue, 1, async ([job]) => {
      await handler(job);
      return 0;
    });
  }

  /**
   * Runs `handler` for up to the queue's `batchSize` jobs at a time (oldest and highest priority
   * first): a job it answers an error for is failed (retried with backoff), one it defers waits for
   * the failed job it names without using an attempt, the others complete. With `inOrder`, the jobs
   * of one group (the same `per` value in their data) run in the order of their numeric `by`
   * value: a batch reaches the handler in that order, and a job taken while an earlier one of its
   * group waits (for its retry, or to be taken) is deferred behind that one instead.
   */
  async workInBatches<T extends object>(
    queue: string,
    handler: BatchJobHandler<T>,
    { inOrder }: { inOrder?: { per: keyof T & string; by: keyof T & string } } = {},
  ): Promise<void> {
    await this.workers<T>(queue, this.queues.get(queue)?.batchSize ?? 1, async (taken) => {
      const held = inOrder ? await this.earlierWaitingJobs(queue, taken, inOrder) : new Map<string, string>();
      const jobs = taken.filter((job) => !held.has(job.id));
      if (inOrder) jobs.sort((a, b) => Number(a.data[inOrder.by]) - Number(b.data[inOrder.by]));
      const outcomes: BatchOutcome[] = jobs.length ? await handler(jobs) : [];
      for (const [id, after] of held) {
        jobs.push(taken.find((job) => job.id === id)!);
        outcomes.push({ after });
      }
      // pg-boss completes the whole batch once this returns; a job failed or deferred here has left
      // the `active` state already, and completing touches only active jobs.
      let failed = 0;
      for (const [index, outcome] of outcomes.entries()) {
        if (!(outcome instanceof Error)) continue;
        failed += 1;
        await this.boss.fail(queue, jobs[index].id, { message: outcome.message });
      }
      const deferred = outcomes.flatMap((outcome, index) =>
        outcome && !(outcome instanceof Error) ? [{ id: jobs[index].id, after: outcome.after }] : [],
      );
      if (deferred.length) await this.defer(queue, deferred);
      return failed;
    });
  }

  /**
   * For each of `jobs` that has an earlier job of its group (`per`, ordered `by`) still waiting in
   * the queue, to be taken or for its retry, outside `jobs`: its id, and the earliest such job's.
   */
  private async earlierWaitingJobs(
    queue: string,
    jobs: Job<object>[],
    { per, by }: { per: string; by: string },
  ): Promise<Map<string, string>> {
    const { rows } = await this.executeSql(
      `select taken.id, (select waiting.id from ${JOBS_SCHEMA}.job waiting
                           where waiting.name = $1 and waiting.state in ('created', 'retry')
                             and waiting.data -> $3 = taken.data -> $3
                             and (waiting.data ->> $4)::numeric < (taken.data ->> $4)::numeric
                             and waiting.id <> all($2::uuid[])
                           order by (waiting.data ->> $4)::numeric limit 1) as after
         from ${JOBS_SCHEMA}.job taken
        where taken.name = $1 and taken.id = any($2::uuid[])`,
      [queue, jobs.map((job) => job.id), per, by],
    );
    return new Map((rows as { id: string; after: string | null }[]).flatMap(({ id, after }) => (after ? [[id, after]] : [])));
  }

  /**
   * Puts active jobs back, each due when the failed job it waits for is (at once if that one has
   * ended, or is gone). pg-boss counts an attempt when it takes a job it had started before
   * (`started_on` set): clearing it makes the next take the same attempt as this one.
   */
  private async defer(queue: string, jobs: { id: string; after: string }[]): Promise<void> {
    await this.executeSql(
      `update ${JOBS_SCHEMA}.job j
          set state = (case when j.retry_count > 0 then 'retry' else 'created' end)::${JOBS_SCHEMA}.job_state,
              started_on = null, start_after = coalesce(blocking.start_after, now())
         from unnest($2::uuid[], $3::uuid[]) as deferred (id, after)
         left join ${JOBS_SCHEMA}.job blocking on blocking.name = $1 and blocking.id = deferred.after
        where j.name = $1 and j.id = deferred.id and j.state = 'active'`,
      [queue, jobs.map((job) => job.id), jobs.map((job) => job.after)],
    );
  }

  /** `run` answers how many of its jobs failed (it throws when all did). */
  private async workers<T extends object>(queue: string, batchSize: number, run: (jobs: Job<T>[]) => Promise<number>) {
    const definition = this.queues.get(queue);
    if (!definition) throw new Error(`unknown job queue ${queue}`);
    const ids: string[] = [];
    for (let index = 0; index < definition.concurrency; index += 1) {
      const id = await this.boss.work<T>(
        queue,
        { batchSize, includeMetadata: true, pollingIntervalSeconds: this.options.pollIntervalSeconds },
        async (fetched) => {
          // pg-boss waits a whole polling interval after every fetch: workers that found jobs look for more at once.
          this.wake(queue);
          // pg-boss picks the jobs in priority order but returns them in any order: the handler gets that order back.
          const ordered = [...fetched].sort(
            (a, b) => b.priority - a.priority || new Date(a.createdOn).getTime() - new Date(b.createdOn).getTime(),
          );
          const jobs = ordered.map((job) => ({
            id: job.id,
            data: withoutTraceContext(job.data),
            attempt: job.retryCount + 1,
            lastAttempt: job.retryCount >= job.retryLimit,
            stopping: this.stopping.signal,
          }));
          const { tracing } = this.options;
          const attempt = () =>
            tracked(
              this.attempts,
              observeAttempt(this.options.observer, queue, jobs.length, () => run(jobs)),
            );
          if (!tracing) return attempt();
          await tracing.job(
            queue,
            ordered.map((job) => traceContextOf(job.data)),
            attempt,
          );
        },
      );
      ids.push(id);
    }
    this.workerIds.set(queue, ids);
  }

  /** The queue's own pool: connections in use, idle, and callers waiting; undefined once stopped. */
  poolLoad(): { inUse: number; idle: number; waiting: number } | undefined {
    if (this.pool.ended) return undefined;
    return { inUse: this.pool.totalCount - this.pool.idleCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  /** Jobs waiting to run (created, or failed and due for a retry) per queue, each counted up to QUEUED_JOBS_COUNT_LIMIT. */
  async queuedJobs(): Promise<Map<string, number>> {
    const names = [...this.queues.keys()];
    const { rows } = await countFailure(
      this.options.observer,
      this.pool.query<{ name: string; queued: number }>(
        `select q.name, (select count(*) from (select 1 from ${JOBS_SCHEMA}.job j where j.name = q.name and j.state < 'active'
           limit $2) waiting)::int as queued from unnest($1::text[]) as q(name)`,
        [names, QUEUED_JOBS_COUNT_LIMIT],
      ),
    );
    return new Map(rows.map((row) => [row.name, row.queued]));
  }

  /** Makes the workers of `queue` look for jobs now instead of at their next poll. */
  wake(queue: string): void {
    // Once stopping, an idle worker must not fetch what an ending attempt queues (its continuation):
    // it would hold the job active until its expiry instead of leaving it to the next process.
    if (this.stopping.signal.aborted) return;
    for (const id of this.workerIds.get(queue) ?? []) this.boss.notifyWorker(id);
  }

  /**
   * Stops fetching, tells the attempts in flight to end (`Job.stopping`), waits for them for at
   * most `timeoutMs`, then closes pg-boss's pool. An attempt still running then is failed and
   * retried later, by this process after a restart or by another one.
   */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.unlisten?.();
    this.stopping.abort();
    // Not pg-boss's graceful stop: it waits for the attempts, not for a worker's fetch in flight, and
    // then checks every second, after the stop, for that worker to end: forever when the fetch was
    // still waiting for a connection as the pool closed, since pg-pool never answers the callers it
    // queued. So the workers go idle first (a fetch now finds nothing), then pg-boss stops at once,
    // failing an attempt still running, and the pool closes once every statement is answered.
    await withTimeout(this.idle(), timeoutMs, undefined);
    await this.boss.stop({ graceful: false });
    while (this.statements.size) await Promise.allSettled([...this.statements]);
    await this.pool.end();
  }

  /** Resolves once nothing was in flight for a whole turn of the event loop. */
  private async idle(): Promise<void> {
    do {
      while (this.statements.size || this.attempts.size) await Promise.allSettled([...this.statements, ...this.attempts]);
      // pg-boss records the end of an attempt a few promise turns after it: that statement may follow.
      await new Promise((resolve) => setImmediate(resolve));
    } while (this.statements.size || this.attempts.size);
  }
}

/** Keeps `promise` in `pending` until it settles. */
function tracked<T>(pending: Set<Promise<unknown>>, promise: Promise<T>): Promise<T> {
  pending.add(promise);
  const forget = () => pending.delete(promise);
  promise.then(forget, forget);
  return promise;
}

/** The connection of `em`'s transaction, or one of its pool for the time of `work`. */
function withDriverConnection<T>(em: EntityManager, work: (connection: DriverConnection) => Promise<T>): Promise<T> {
  return withPooledConnection(em.getTransactionContext<Knex.Transaction>() ?? em.getConnection().getKnex(), work);
}
