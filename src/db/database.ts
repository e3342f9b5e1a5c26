import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres';
import { ormOptions } from './orm-options';

export interface Database {
  orm: MikroORM;
  /** True when the gateway runs on its embedded PGlite instead of a PostgreSQL server. */
  embedded: boolean;
  close(): Promise<void>;
}

/** Connects to DATABASE_URL, or to an embedded PostgreSQL kept in DATA_DIR when it is unset. */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolMax'>): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let clientUrl = config.databaseUrl;
  if (!clientUrl) {
    embedded = await startEmbeddedPostgres(join(config.dataDir, 'pgdata'));
    clientUrl = embedded.url;
  }
  try {
    const orm = await MikroORM.init(ormOptions({ clientUrl, poolMax: embedded ? 1 : config.dbPoolMax }));
    return {
      orm,
      embedded: Boolean(embedded),
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
