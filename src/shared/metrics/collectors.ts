import { Counter, Gauge, type Registry } from 'prom-client';
import { withTimeout } from '../with-timeout';

/** An admission gate's state: requests (or queries) in progress, waiting for a turn, and refused since the start. */
export interface AdmissionLoad {
  running: number;
  waiting: number;
  refused: number;
}

/** A connection pool's state: connections checked out, idle, and callers waiting for one. */
export interface PoolLoad {
  inUse: number;
  idle: number;
  waiting: number;
}

/** A scrape waits at most this long for the count of queued jobs; past it that gauge is left out of the scrape. */
const QUEUED_JOBS_TIMEOUT_MS = 2_000;

/**
 * Gauges read when Prometheus scrapes, from the state the gates, pools and job queue keep anyway:
 * nothing is added to a request's work. `gate` is `requests` (REQUEST_CONCURRENCY) or `queries`
 * (GRAPHQL_CONCURRENT_QUERIES); `pool` is `main` (MikroORM's) or `jobs` (the job workers').
 */
export class ScrapeCollectors {
  private readonly gates = new Map<string, () => AdmissionLoad>();
  private readonly pools = new Map<string, () => PoolLoad | undefined>();
  private queuedJobs: (() => Promise<Map<string, number>>) | undefined;

  constructor(registry: Registry) {
    const gates = this.gates;
    const pools = this.pools;
    const gauge = (name: string, help: string, labelNames: string[], collect: (gauge: Gauge) => void | Promise<void>) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        collect(this: Gauge) {
          return collect(this);
        },
      });
    gauge(
      'leadsy_admission_running',
      'Requests (gate=requests) or queries (gate=queries) past their admission gate.',
      ['gate'],
      (g) => gates.forEach((load, gate) => g.set({ gate }, load().running)),
    );
    gauge('leadsy_admission_waiting', 'Requests or queries waiting for their turn at their admission gate.', ['gate'], (g) =>
      gates.forEach((load, gate) => g.set({ gate }, load().waiting)),
    );
    new Counter({
      name: 'leadsy_admission_refused_total',
      help: 'Requests or queries refused by their admission gate (503 with Retry-After: 1).',
      labelNames: ['gate'],
      registers: [registry],
      collect(this: Counter) {
        this.reset();
        gates.forEach((load, gate) => this.inc({ gate }, load().refused));
      },
    });
    gauge('leadsy_db_pool_connections', 'Connections of a database pool, by state: in_use or idle.', ['pool', 'state'], (g) => {
      g.reset();
      pools.forEach((load, pool) => {
        const current = load();
        if (!current) return;
        g.set({ pool, state: 'in_use' }, current.inUse);
        g.set({ pool, state: 'idle' }, current.idle);
      });
    });
    gauge('leadsy_db_pool_waiting', 'Callers waiting for a connection of a database pool.', ['pool'], (g) => {
      g.reset();
      pools.forEach((load, pool) => {
        const current = load();
        if (current) g.set({ pool }, current.waiting);
      });
    });
    gauge(
      'leadsy_jobs_queued',
      'Jobs waiting to run (created, or failed and due for a retry), by queue, each counted up to a bound that keeps a scrape cheap.',
      ['queue'],
      async (g) => {
        g.reset();
        const counts = await this.readQueuedJobs();
        counts?.forEach((count, queue) => g.set({ queue }, count));
      },
    );
  }

  watchGate(gate: string, load: () => AdmissionLoad): void {
    this.gates.set(gate, load);
  }

  /** `load` answers undefined once the pool is gone (closed): the pool then has no series. */
  watchPool(pool: string, load: () => PoolLoad | undefined): void {
    this.pools.set(pool, load);
  }

  watchQueuedJobs(count: () => Promise<Map<string, number>>): void {
    this.queuedJobs = count;
  }

  /** Undefined when the database does not answer in time: a scrape never fails or hangs because of it. */
  private async readQueuedJobs(): Promise<Map<string, number> | undefined> {
    if (!this.queuedJobs) return undefined;
    return withTimeout(
      this.queuedJobs().catch(() => undefined),
      QUEUED_JOBS_TIMEOUT_MS,
      undefined,
    );
  }
}
