import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { LeaseLostError } from './import-batch';
import { type ImportBatchProgress, type ImportJobDeps, processImport } from './import-processing';
import { claimNextImport, releaseImport } from './import-leases';

export interface ImportWorkerOptions {
  /** Rows per transaction. */
  batchSize: number;
  /** How often an idle worker looks for work (`wake()` makes it look at once). */
  pollIntervalMs: number;
  /**
   * How long a claim lasts without progress; every committed batch extends it. A worker that dies
   * keeps its imports only this long before another worker resumes them.
   */
  leaseMs?: number;
}

export interface ImportWorkerEvents {
  /** A batch committed (its rows, users, grants and counters are durable). */
  batch: [ImportBatchProgress];
}

const DEFAULT_LEASE_MS = 60_000;

/**
 * Processes queued CSV imports in the background. The job state lives in PostgreSQL: a worker
 * claims an import with a lease (`locked_by`, `locked_until`), commits its rows batch by batch and
 * extends the lease as it goes, so any number of workers in any number of processes can run, and a
 * restart resumes an import after its last committed batch.
 */
export class ImportWorker extends EventEmitter<ImportWorkerEvents> {
  /** Unique among every worker that ever runs: host, process and a random part. */
  readonly id = `${hostname().slice(0, 60)}:${process.pid}:${randomBytes(8).toString('hex')}`;
  private readonly leaseMs: number;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeRequested = false;
  private endIdle: (() => void) | undefined;

  constructor(
    private readonly deps: ImportJobDeps,
    private readonly options: ImportWorkerOptions,
  ) {
    super();
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Looks for work now instead of at the next poll (a new import was queued in this process). */
  wake(): void {
    this.wakeRequested = true;
    this.endIdle?.();
  }

  /** Stops claiming, lets the batch in flight commit, gives the current import's lease back, then resolves. */
  async stop(): Promise<void> {
    this.running = false;
    this.endIdle?.();
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const worked = await this.workOnce();
      if (!worked && this.running) await this.idle();
    }
  }

  /** Claims one import and works on it; false when there was nothing to claim. */
  private async workOnce(): Promise<boolean> {
    this.wakeRequested = false;
    const { orm, logger } = this.deps;
    let claimed;
    try {
      claimed = await claimNextImport(orm.em.fork(), this.id, this.leaseMs);
    } catch (error) {
      logger.warn({ err: error }, 'import worker could not look for work');
      return false;
    }
    if (!claimed) return false;
    const log = logger.child({ importId: claimed.id, worker: this.id });
    try {
      if (!this.running) {
        await releaseImport(orm.em.fork(), claimed.id, this.id);
        return true;
      }
      const end = await processImport(this.deps, claimed, {
        workerId: this.id,
        batchSize: this.options.batchSize,
        leaseMs: this.leaseMs,
        shouldContinue: () => this.running,
        onBatch: (progress) => this.emit('batch', progress),
      });
      log.info({ end }, 'import worker finished with an import');
    } catch (error) {
      if (error instanceof LeaseLostError) {
        log.warn({ reason: error.message }, 'import taken over by another worker; dropped');
      } else {
        // The lease is kept: the import is retried once it expires, by this worker or another.
        log.error({ err: error }, 'import failed unexpectedly; it will be retried when its lease expires');
      }
    }
    return true;
  }

  private idle(): Promise<void> {
    if (this.wakeRequested) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.endIdle?.(), this.options.pollIntervalMs).unref();
      this.endIdle = () => {
        clearTimeout(timer);
        this.endIdle = undefined;
        resolve();
      };
    });
  }
}
