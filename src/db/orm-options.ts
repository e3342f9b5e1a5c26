import { Migrator } from '@mikro-orm/migrations';
import { defineConfig } from '@mikro-orm/postgresql';
import { SeedManager } from '@mikro-orm/seeder';
import type { Logger } from '../shared/logger';
import { ENTITIES } from './entities';
import { ReadModelGuard } from './read-model-guard';
import { MIGRATIONS } from './migrations';

export interface OrmConnection {
  clientUrl: string;
  poolMax: number;
  /** PostgreSQL's `statement_timeout` for every connection; 0 or unset keeps the server's own. */
  statementTimeoutMs?: number;
  /** How long a query waits for a pooled connection, and a new connection for the server; unset: knex's 60 s. */
  acquireTimeoutMs?: number;
  /** Where the driver's own warnings go (a dead connection the pool dropped); unset: knex prints them. */
  logger?: Logger;
  /** Receives the notifications arriving on pooled connections (the embedded database's delivery, see notifications.ts). */
  onNotification?: (channel: string, payload: string) => void;
  /**
   * `clientUrl` is a pooler in transaction mode (DATABASE_DIRECT_URL is set): no start-up parameter
   * it would refuse, and no session reset, which would run on a server connection other clients share.
   */
  throughPooler?: boolean;
}

/**
 * How much longer than `statement_timeout` the driver waits for an answer before giving up on its
 * own: the server cancels a slow statement itself, this only ends the wait when the server can no
 * longer answer at all (a network partition), so a request cannot hang until TCP gives up.
 */
const CLIENT_READ_MARGIN_MS = 5_000;

/**
 * Sent on every new connection. The request path uses named prepared statements (see
 * prepared-statements.ts) and the driver knows only those its own connection prepared; where the
 * server keeps a session across connections (the embedded PGlite serves one session to whichever
 * connection is open), names prepared by an earlier connection would collide. On a server it is a
 * no-op in the connection's first round trip.
 */
export const SESSION_RESET_SQL = 'deallocate all';

interface SessionConnection {
  query(sql: string, callback: (error: Error | null) => void): void;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): void;
}

/** The single MikroORM configuration, shared by the gateway, the CLI and the tests. */
export function ormOptions({
  clientUrl,
  poolMax,
  statementTimeoutMs,
  acquireTimeoutMs,
  logger,
  onNotification,
  throughPooler = false,
}: OrmConnection): ReturnType<typeof defineConfig> {
  return defineConfig({
    clientUrl,
    entities: ENTITIES,
    discovery: { warnWhenNoEntities: true },
    extensions: [Migrator, SeedManager],
    subscribers: [new ReadModelGuard()],
    // Broken connections (the server restarted or went away) are marked by the driver and dropped
    // by the pool's validation on the next acquire; a failed connect fails the waiting query at once
    // (knex's `propagateCreateError`), so a request never waits for a server that refuses it.
    pool: {
      min: 0,
      max: poolMax,
      afterCreate: (connection: SessionConnection, done: (error: Error | null, connection: SessionConnection) => void) => {
        if (onNotification) connection.on('notification', ({ channel, payload }) => onNotification(channel, payload ?? ''));
        if (throughPooler) done(null, connection);
        else connection.query(SESSION_RESET_SQL, (error) => done(error, connection));
      },
      ...(acquireTimeoutMs ? { acquireTimeoutMillis: acquireTimeoutMs, createTimeoutMillis: acquireTimeoutMs } : {}),
    },
    driverOptions: {
      connection: {
        keepAlive: true,
        // Sent in the start-up message, so it costs no round trip and holds for every statement;
        // through a pooler it is the role's default instead (role-statement-timeout.ts).
        ...(statementTimeoutMs && !throughPooler ? { statement_timeout: statementTimeoutMs } : {}),
        ...(statementTimeoutMs ? { query_timeout: statementTimeoutMs + CLIENT_READ_MARGIN_MS } : {}),
        ...(acquireTimeoutMs ? { connectionTimeoutMillis: acquireTimeoutMs } : {}),
      },
      ...(logger ? { log: driverLog(logger) } : {}),
    },
    // Statements are never logged: bound values can hold emails and hashes.
    debug: false,
    forceUtcTimezone: true,
    migrations: {
      tableName: 'mikro_orm_migrations',
      path: 'dist/src/db/migrations',
      pathTs: 'src/db/migrations',
      migrationsList: MIGRATIONS,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
      silent: true,
    },
  });
}

/** knex's logger interface, into the gateway's structured log (its messages carry no bound values). */
function driverLog(logger: Logger) {
  return {
    warn: (message: unknown) => logger.warn({ driverMessage: String(message) }, 'database driver warning'),
    error: (message: unknown) => logger.error({ driverMessage: String(message) }, 'database driver error'),
    deprecate: (method: string, alternative: string) => logger.warn({ method, alternative }, 'database driver deprecation'),
    debug: () => undefined,
  };
}
