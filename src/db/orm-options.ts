import { Migrator } from '@mikro-orm/migrations';
import { defineConfig } from '@mikro-orm/postgresql';
import { SeedManager } from '@mikro-orm/seeder';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export interface OrmConnection {
  clientUrl: string;
  poolMax: number;
}

/** The single MikroORM configuration, shared by the gateway, the CLI and the tests. */
export function ormOptions({ clientUrl, poolMax }: OrmConnection): ReturnType<typeof defineConfig> {
  return defineConfig({
    clientUrl,
    entities: ENTITIES,
    discovery: { warnWhenNoEntities: true },
    extensions: [Migrator, SeedManager],
    pool: { min: 0, max: poolMax },
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
