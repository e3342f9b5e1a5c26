import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import { ensureBootstrapAdmin } from './seeders/bootstrap-admin';
import { ReferenceDataSeeder } from './seeders/reference-data.seeder';

/** Brings a database up to date: pending migrations, reference data, the bootstrap admin. */
export async function prepareDatabase(
  orm: MikroORM,
  config: Pick<Config, 'admin' | 'env'>,
  announce: (message: string) => void,
): Promise<void> {
  await orm.getMigrator().up();
  await orm.getSeeder().seed(ReferenceDataSeeder);
  await ensureBootstrapAdmin(orm.em.fork(), config, announce);
}
