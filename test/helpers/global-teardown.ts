import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { removeRunDirectory } from './run-directory';
import { TEMPLATE_DATABASE_ENV, TEMPLATE_PGDATA_ENV } from './prepared-database';
import { dropTestDatabase } from './test-database';

/** Jest's global tear-down: removes the template databases of template-database.ts and the run's directory. */
export default async function removeTemplateDatabases(): Promise<void> {
  const empty = process.env[TEMPLATE_PGDATA_ENV.empty];
  // Both embedded templates are in one directory.
  if (empty) rmSync(dirname(empty), { recursive: true, force: true });
  const database = process.env[TEMPLATE_DATABASE_ENV];
  if (database) await dropTestDatabase(database);
  removeRunDirectory();
}
