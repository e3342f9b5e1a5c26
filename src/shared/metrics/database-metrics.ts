import type { Knex } from '@mikro-orm/postgresql';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { ScrapeCollectors } from './collectors';

/** The pool MikroORM's statements (the requests') run on; the job workers' own pool is `jobs`. */
export const MAIN_POOL = 'main';

/** Seconds: an idle connection at once, a new one in a few ms, a full pool up to DB_ACQUIRE_TIMEOUT_MS. */
const ACQUIRE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3, 10];

/** The database's side: connection waits and failed statements, per pool. */
export class DatabaseMetrics {
  private readonly acquireSeconds: Histogram<'pool'>;
  private readonly acquireFailures: Counter<'pool'>;
  private readonly statementErrors: Counter<'pool'>;

  constructor(
    registry: Registry,
    private readonly collectors: ScrapeCollectors,
  ) {
    this.acquireSeconds = new Histogram({
      name: 'leadsy_db_pool_acquire_seconds',
      help: 'Time a statement waited for a connection of the pool, when it got one.',
      labelNames: ['pool'],
      buckets: ACQUIRE_BUCKETS,
      registers: [registry],
    });
    this.acquireFailures = new Counter({
      name: 'leadsy_db_pool_acquire_failures_total',
      help: 'Waits for a connection that failed: DB_ACQUIRE_TIMEOUT_MS passed, or the server refused a new connection.',
      labelNames: ['pool'],
      registers: [registry],
    });
    this.statementErrors = new Counter({
      name: 'leadsy_db_statement_errors_total',
      help: 'Statements that failed: refused by the server (constraint, timeout, serialization…) or cut with their connection.',
      labelNames: ['pool'],
      registers: [registry],
    });
    for (const pool of [MAIN_POOL, 'jobs']) {
      this.acquireFailures.inc({ pool }, 0);
      this.statementErrors.inc({ pool }, 0);
    }
  }

  /**
   * MikroORM's pool (knex on tarn): its load when scraped, and every acquire's wait and every failed
   * statement as they happen. knex reports the failures of its own statements and of those sent
   * straight through the driver (`withPooledConnection`) as `query-error`. Returns the unwatching.
   */
  watchKnex(knex: Knex): () => void {
    const pool = knex.client.pool;
    if (!pool) throw new Error('the knex pool is not initialized');
    this.collectors.watchPool(MAIN_POOL, () =>
      knex.client.pool ? { inUse: pool.numUsed(), idle: pool.numFree(), waiting: pool.numPendingAcquires() } : undefined,
    );
    const requested = new Map<number, number>();
    const onRequest = (eventId: number) => requested.set(eventId, performance.now());
    const onSettled = (succeeded: boolean) => (eventId: number) => {
      const since = requested.get(eventId);
      if (since === undefined) return;
      requested.delete(eventId);
      if (succeeded) this.acquireSeconds.observe({ pool: MAIN_POOL }, (performance.now() - since) / 1000);
      else this.acquireFailures.inc({ pool: MAIN_POOL });
    };
    const onSuccess = onSettled(true);
    const onFail = onSettled(false);
    const onStatementError = () => this.statementFailed(MAIN_POOL);
    pool.on('acquireRequest', onRequest);
    pool.on('acquireSuccess', onSuccess);
    pool.on('acquireFail', onFail);
    knex.client.on('query-error', onStatementError);
    return () => {
      pool.removeListener('acquireRequest', onRequest);
      pool.removeListener('acquireSuccess', onSuccess);
      pool.removeListener('acquireFail', onFail);
      knex.client.off('query-error', onStatementError);
    };
  }

  statementFailed(pool: string): void {
    this.statementErrors.inc({ pool });
  }
}
