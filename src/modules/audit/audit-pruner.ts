import type { MikroORM } from '@mikro-orm/postgresql';
import { queryPrepared } from '../../db/prepared-statements';
import type { Logger } from '../../shared/logger';

/**
 * Marks the statements the pruner sends on its own, so that tooling counting the statements of
 * requests (test/helpers/statements.ts) can tell them apart, as the import worker's.
 */
export const AUDIT_PRUNER_SQL_TAG = '/* audit-pruner */';

const DAY_MS = 86_400_000;
/** The first run after a start: soon, but not in the middle of the start-up. */
const FIRST_RUN_DELAY_MS = 60_000;
/** Events deleted per transaction: a short transaction each, whatever the backlog. */
const DEFAULT_BATCH_SIZE = 5_000;
/**
 * The advisory lock every gateway process on the database takes for a batch: one prunes at a time,
 * and a process that finds it taken leaves the run to the one holding it.
 */
const PRUNE_LOCK_KEY = 7_302_118_640_912_001;

export interface AuditPrunerOptions {
  /** Events older than this many days go; 0 keeps them forever (the pruner never runs). */
  retentionDays: number;
  intervalMs: number;
  batchSize?: number;
  /** Capped by `intervalMs`. */
  firstRunDelayMs?: number;
}

/**
 * Applies AUDIT_RETENTION_DAYS: shortly after the start and then every interval, deletes the audit
 * events older than the retention period. The table refuses every delete (a trigger) unless the
 * transaction names the instant before which events may go (`leadsy.audit_prune_before`, set with
 * `set_config(..., true)`, so it ends with the transaction): each batch is one transaction that
 * sets it and deletes at most `batchSize` events older than it. Safe with any number of gateway
 * processes on one database (an advisory lock per batch), and on SIGTERM: `stop()` lets the batch
 * in flight commit and starts no other; a batch cut short rolls back whole.
 */
export class AuditPruner {
  private readonly batchSize: number;
  private running = false;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private run: Promise<unknown> | undefined;

  constructor(
    private readonly deps: { orm: MikroORM; logger: Logger },
    private readonly options: AuditPrunerOptions,
  ) {
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  }

  /** Does nothing when the retention is 0 (kept forever). */
  start(): void {
    if (this.running || this.options.retentionDays === 0) return;
    this.running = true;
    this.stopping = false;
    this.schedule(Math.min(this.options.firstRunDelayMs ?? FIRST_RUN_DELAY_MS, this.options.intervalMs));
  }

  /** Starts no further batch and resolves once the batch in flight (if any) has committed or rolled back. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.run;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      const run = this.pruneOnce().catch((error: unknown) => {
        // The next interval tries again; the events stay until then.
        this.deps.logger.warn({ err: error }, 'could not prune audit events');
      });
      this.run = run;
      void run.finally(() => {
        if (this.run === run) this.run = undefined;
        if (this.running) this.schedule(this.options.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  /**
   * Deletes the events older than the retention period as of `now`, batch by batch, and returns how
   * many went. With nothing to delete it sends one statement (and opens no transaction).
   */
  async pruneOnce(now = new Date()): Promise<number> {
    if (this.options.retentionDays === 0) return 0;
    const before = new Date(now.getTime() - this.options.retentionDays * DAY_MS).toISOString();
    const em = this.deps.orm.em.fork();
    const [{ found }] = await queryPrepared<{ found: boolean }>(
      em,
      `${AUDIT_PRUNER_SQL_TAG} select exists (select 1 from audit_events where occurred_at < ?::timestamptz) as found`,
      [before],
    );
    let deleted = 0;
    while (found && !this.stopping) {
      const batch = await em.fork().transactional(async (tx) => {
        const [{ locked }] = await queryPrepared<{ locked: boolean }>(
          tx,
          `${AUDIT_PRUNER_SQL_TAG} select pg_try_advisory_xact_lock(?::bigint) as locked`,
          [PRUNE_LOCK_KEY],
        );
        if (!locked) return undefined;
        await queryPrepared(tx, `${AUDIT_PRUNER_SQL_TAG} select set_config('leadsy.audit_prune_before', ?, true)`, [before]);
        const [{ count }] = await queryPrepared<{ count: number }>(
          tx,
          `${AUDIT_PRUNER_SQL_TAG} with pruned as (
             delete from audit_events where id in (select id from audit_events where occurred_at < ?::timestamptz limit ?)
             returning 1)
           select count(*)::int as count from pruned`,
          [before, this.batchSize],
        );
        return count;
      });
      if (batch === undefined) {
        this.deps.logger.info('another gateway process is pruning audit events; leaving it to that one');
        break;
      }
      deleted += batch;
      if (batch < this.batchSize) break;
    }
    if (deleted) this.deps.logger.info({ deleted, before }, 'pruned audit events past their retention');
    return deleted;
  }
}
