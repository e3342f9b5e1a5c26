import { type EntityManager, type Knex, type MikroORM, PostgreSqlConnection } from '@mikro-orm/postgresql';
import type { Logger } from '../shared/logger';

/**
 * One statement per check, on the replica: whether it is a standby still receiving WAL, and how far
 * behind it is. An idle primary sends no WAL, so the last replayed commit grows old without the
 * replica lagging: the replica is behind only while it has received WAL it has not replayed yet,
 * and then by the age of its last replayed commit. A standby whose WAL receiver is gone (cut off
 * from the primary) cannot know how far behind it is, so it counts as unhealthy.
 */
const HEALTH_SQL = `select pg_is_in_recovery() as standby,
       exists (select 1 from pg_stat_wal_receiver) as receiving,
       case when pg_last_wal_receive_lsn() is not distinct from pg_last_wal_replay_lsn() then 0
            else coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()) * 1000, 0) end::float8 as lag_ms`;

/** Connection-level SQLSTATE classes: the server is going away or refuses connections, not the statement failing. */
const REPLICA_TROUBLE = /^(08|57P|53)/;
/** A standby cancels a read that conflicts with WAL it must replay; the primary has no such conflict. */
const RECOVERY_CONFLICT = '40001';
/** A replica is skipped until its first check: the gateway's start waits for that check. */
const NOT_CHECKED = 'not checked yet';

export interface ReadReplicaOptions {
  maxLagMs: number;
  logger: Logger;
}

/** One replica: its own connection pool (MikroORM's pool settings, timeouts and type parsers) and its last known health. */
export class Replica {
  readonly knex: Knex;
  private readonly connection: PostgreSqlConnection;
  private problem: string | undefined = NOT_CHECKED;

  constructor(
    orm: MikroORM,
    /** host:port/database, never the password: what the logs name it by. */
    readonly name: string,
    clientUrl: string,
    private readonly logger: Logger,
  ) {
    this.connection = new PostgreSqlConnection(orm.config, { clientUrl }, 'read');
    this.knex = this.connection.getKnex();
  }

  get healthy(): boolean {
    return this.problem === undefined;
  }

  /** Measures lag and health; a replica that cannot answer is unhealthy. */
  async check(maxLagMs: number): Promise<void> {
    let problem: string | undefined;
    let failure: unknown;
    try {
      const {
        rows: [state],
      } = (await this.knex.raw(HEALTH_SQL)) as { rows: { standby: boolean; receiving: boolean; lag_ms: number }[] };
      if (state.standby && !state.receiving) problem = 'not receiving WAL from the primary';
      else if (state.lag_ms > maxLagMs) problem = `${Math.round(state.lag_ms)} ms behind the primary`;
    } catch (error) {
      problem = 'unreachable';
      failure = error;
    }
    this.setProblem(problem, failure);
  }

  /**
   * Whether a read that failed here with `error` should run again on the primary: when the replica
   * (not the statement) failed. A connection failure also takes the replica out until a check
   * finds it healthy again.
   */
  fallBack(error: unknown): boolean {
    const code = (error as { code?: unknown }).code;
    const serverError = error instanceof Error && 'severity' in error;
    if (serverError && code === RECOVERY_CONFLICT) return true;
    if (serverError && !(typeof code === 'string' && REPLICA_TROUBLE.test(code))) return false;
    this.setProblem('a read failed on its connection', error);
    return true;
  }

  close(): Promise<void> {
    return this.connection.close(true);
  }

  /** Logs when the replica is taken out or back (the driver's errors name host and port, never the password). */
  private setProblem(problem: string | undefined, error?: unknown): void {
    if (problem === this.problem) return;
    if (problem === undefined) this.logger.info({ replica: this.name }, 'read replica healthy: reads go to it');
    else if (this.problem === undefined || this.problem === NOT_CHECKED) {
      this.logger.warn({ replica: this.name, problem, err: error }, 'read replica skipped');
    }
    this.problem = problem;
  }
}

/**
 * The read replicas (DATABASE_READ_URLS), each with a pool of its own, checked periodically.
 * MikroORM's own `replicas` option was not used: it picks a replica at random for every read,
 * healthy or not, and would send the reads of writes outside transactions there too. Here a
 * query operation is given one healthy replica for its reads (`readFrom`), the replicas taking
 * turns, and everything else stays on MikroORM's connection to the primary.
 */
export class ReadReplicas {
  private readonly replicas: Replica[];
  private turn = 0;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;

  constructor(
    orm: MikroORM,
    urls: readonly string[],
    private readonly options: ReadReplicaOptions,
  ) {
    const logger = options.logger.child({ component: 'read-replicas' });
    this.replicas = urls.map((url) => new Replica(orm, replicaName(url), url, logger));
  }

  /** Checks every replica once (requests start with a known health), then on a timer. */
  async start(): Promise<void> {
    if (this.replicas.length === 0) return;
    await this.checkAll();
    // Often enough to take a lagging replica out well before its lag doubles past the limit.
    const intervalMs = Math.min(1000, Math.max(100, Math.floor(this.options.maxLagMs / 4)));
    this.timer = setInterval(() => void this.checkAll(), intervalMs);
    this.timer.unref();
  }

  /** A healthy replica, in turns; undefined when none is (reads stay on the primary). */
  choose(): Replica | undefined {
    for (let tried = 0; tried < this.replicas.length; tried += 1) {
      const replica = this.replicas[(this.turn = (this.turn + 1) % this.replicas.length)];
      if (replica.healthy) return replica;
    }
    return undefined;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
    await Promise.all(this.replicas.map((replica) => replica.close()));
  }

  private checkAll(): Promise<void> {
    // A check that takes longer than the interval (an unreachable host) is not stacked on.
    this.checking ??= Promise.all(this.replicas.map((replica) => replica.check(this.options.maxLagMs))).then(() => {
      this.checking = undefined;
    });
    return this.checking;
  }
}

function replicaName(url: string): string {
  const { hostname, port, pathname } = new URL(url);
  return `${hostname}:${port || 5432}${pathname}`;
}

/** Which replica an EntityManager's reads go to: set for the request of a query operation. */
const replicaOf = new WeakMap<EntityManager, Replica>();

/** `em`'s statements outside a transaction read from `replica` from now on. */
export function readFrom(em: EntityManager, replica: Replica): void {
  replicaOf.set(em, replica);
}

/** The replica `em` reads from, while it stays healthy; undefined: the primary. */
export function replicaReading(em: EntityManager): Replica | undefined {
  const replica = replicaOf.get(em);
  return replica?.healthy ? replica : undefined;
}
