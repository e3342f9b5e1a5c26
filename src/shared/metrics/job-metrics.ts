import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PoolLoad, ScrapeCollectors } from './collectors';
import type { DatabaseMetrics } from './database-metrics';

/** Seconds: a mail in milliseconds, an import slice up to its 15 s, a webhook up to its timeout. */
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120];

/** What the job queue tells about itself when scraped (db/job-queue.ts). */
export interface WatchedJobQueue {
  /** Its own pool's connections; undefined once stopped. */
  poolLoad(): PoolLoad | undefined;
  /** Jobs waiting to run, per queue. */
  queuedJobs(): Promise<Map<string, number>>;
}

/** Background jobs: attempts running in this process, their durations and failures, as they happen. */
export class JobMetrics {
  private readonly running: Gauge<'queue'>;
  private readonly failures: Counter<'queue'>;
  private readonly duration: Histogram<'queue'>;

  constructor(
    registry: Registry,
    private readonly collectors: ScrapeCollectors,
    private readonly database: DatabaseMetrics,
  ) {
    this.running = new Gauge({
      name: 'leadsy_jobs_running',
      help: 'Job attempts running in this process, by queue (a batch of webhook jobs counts once).',
      labelNames: ['queue'],
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'leadsy_job_failures_total',
      help: 'Failed job attempts in this process, by queue (each is retried until its queue’s retry limit).',
      labelNames: ['queue'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'leadsy_job_duration_seconds',
      help: 'Time a handler took for its attempt (or its batch), succeeded or not, by queue.',
      labelNames: ['queue'],
      buckets: JOB_BUCKETS,
      registers: [registry],
    });
  }

  watch(queue: WatchedJobQueue): void {
    this.collectors.watchPool('jobs', () => queue.poolLoad());
    this.collectors.watchQueuedJobs(() => queue.queuedJobs());
  }

  /** A queue's workers started: its series exist (at zero) before its first job. */
  queueStarted(queue: string): void {
    this.running.inc({ queue }, 0);
    this.failures.inc({ queue }, 0);
  }

  attemptStarted(queue: string): void {
    this.running.inc({ queue });
  }

  attemptEnded(queue: string, seconds: number, failedJobs: number): void {
    this.running.dec({ queue });
    this.duration.observe({ queue }, seconds);
    if (failedJobs) this.failures.inc({ queue }, failedJobs);
  }

  statementFailed(): void {
    this.database.statementFailed('jobs');
  }
}
