import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import type { Logger } from '../shared/logger';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres';
import { type DatabaseNotifications, InProcessNotifications, serverNotifications } from './notifications';
import { ormOptions } from './orm-options';
import { setRoleStatementTimeout } from './role-statement-timeout';

export interface Database {
  orm: MikroORM;
  /** True when the gateway runs on its embedded PGlite instead of a PostgreSQL server. */
  embedded: boolean;
  /** LISTEN: across processes on a server, in-process on the embedded database. */
  notifications: DatabaseNotifications;
  /** How to open a connection of one's own (the job queue's workers keep a small pool). */
  connectionUrl: string;
  close(): Promise<void>;
}

/**
 * Connects to DATABASE_URL, or to an embedded PostgreSQL kept in DATA_DIR when it is unset.
 * `logger` receives the driver's warnings (e.g. a dead connection dropped after an outage).
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'databaseDirectUrl' | 'dataDir' | 'dbPoolMax' | 'dbTimeouts'>,
  logger?: Logger,
): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let clientUrl = config.databaseUrl;
  if (!clientUrl) {
    embedded = await startEmbeddedPostgres(join(config.dataDir, 'pgdata'));
    clientUrl = embedded.url;
  }
  let inProcess: InProcessNotifications | undefined;
  try {
    if (embedded) inProcess = new InProcessNotifications((sql) => orm.em.getConnection().execute(sql));
    // Before the pool's first connection, so that the server connections it makes the pooler open have it.
    if (config.databaseDirectUrl) {
      await setRoleStatementTimeout(config.databaseDirectUrl, config.dbTimeouts.statementMs, config.dbTimeouts.acquireMs);
    }
    const orm: MikroORM = await MikroORM.init(
      embedded
        ? // PGlite accepts `SET statement_timeout` but cannot interrupt a running statement, and it
          // lives in this process, so it never goes away: its one connection, held by whole
          // transactions such as an import batch, is waited for with the driver's defaults.
          ormOptions({ clientUrl, poolMax: 1, logger, onNotification: inProcess?.dispatch })
        : ormOptions({
            clientUrl,
            poolMax: config.dbPoolMax,
            statementTimeoutMs: config.dbTimeouts.statementMs,
            acquireTimeoutMs: config.dbTimeouts.acquireMs,
            logger,
            throughPooler: Boolean(config.databaseDirectUrl),
          }),
    );
    return {
      orm,
      embedded: Boolean(embedded),
      connectionUrl: clientUrl,
      notifications:
        inProcess ??
        serverNotifications({
          // LISTEN holds for a session: through a pooler in transaction mode it would stay on a
          // server connection that is not this client's after the statement.
          clientUrl: config.databaseDirectUrl ?? clientUrl,
          connectTimeoutMs: config.dbTimeouts.acquireMs,
          logger: logger?.child({ component: 'notifications' }),
        }),
      async close() {
        await orm.close(true);
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}
