import 'reflect-metadata';
import { loadConfig } from './src/config';
import { ormOptions } from './src/db/orm-options';

/**
 * Configuration for the MikroORM CLI (`npx mikro-orm migration:create`, `schema:update --dump`).
 * The CLI talks to a PostgreSQL server, so it needs DATABASE_URL.
 */
const config = loadConfig();
if (!config.databaseUrl) {
  throw new Error('The MikroORM CLI needs DATABASE_URL, e.g. postgresql://postgres@127.0.0.1:5432/postgres');
}

export default ormOptions({ clientUrl: config.databaseUrl, poolMax: 2 });
