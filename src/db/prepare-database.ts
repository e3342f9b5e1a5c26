import { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import { ormOptions } from './orm-options';
import { ensureBootstrapAdmin } from './seeders/bootstrap-admin';
import { ReferenceDataSeeder } from './seeders/reference-data.seeder';

/** Brings a database up to date: pending migrations, reference data, the bootstrap admin. */
export async function prepareDatabase(
  orm: MikroORM,
  config: Pick<Config, 'admin' | 'env' | 'databaseDirectUrl' | 'dbTimeouts'>,
  announce: (message: string) => void,
): Promise<void> {
  await migrate(orm, config);
  await orm.getSeeder().seed(ReferenceDataSeeder);
  await ensureBootstrapAdmin(orm.em.fork(), config, announce);
}

/**
 * Runs the pending migrations: over DATABASE_DIRECT_URL when it is set, on a session of their own,
 * bounded by DB_STATEMENT_TIMEOUT_MS as a direct connection is; a pooler in transaction mode would
 * spread a migration's statements that are not in its transaction over shared server connections.
 */
async function migrate(orm: MikroORM, config: Pick<Config, 'databaseDirectUrl' | 'dbTimeouts'>): Promise<void> {
  if (!config.databaseDirectUrl) {
    await orm.getMigrator().up();
    return;
  }
  const direct = await MikroORM.init(
    ormOptions({ clientUrl: config.databaseDirectUrl, poolMax: 1, statementTimeoutMs: config.dbTimeouts.statementMs }),
  );
  try {
    await direct.getMigrator().up();
  } finally {
    await direct.close(true);
  }
}
