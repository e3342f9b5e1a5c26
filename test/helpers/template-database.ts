import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { copyTemplatePgdata, TEMPLATE_DATABASE_ENV, TEMPLATE_PGDATA_ENV } from './prepared-database';
import { startTestApp } from './test-app';
import { createTestDatabase, serverUrl } from './test-database';

/**
 * Makes the templates of prepared-database.ts: an empty database, then the prepared one, by
 * starting the app once on a copy of the empty one, so that it holds what every start leaves
 * behind. The variables it sets reach the workers, which Jest starts afterwards.
 */
export async function prepareTemplateDatabases(): Promise<void> {
  if (serverUrl) {
    const database = await createTestDatabase({ empty: true });
    // Closed before any copy: PostgreSQL copies a template only while nobody is connected to it.
    await (await startTestApp({}, { databaseUrl: database.url })).close();
    process.env[TEMPLATE_DATABASE_ENV] = new URL(database.url!).pathname.slice(1);
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'gateway-test-templates-'));
  const empty = join(root, 'empty');
  await (await startEmbeddedPostgres(empty)).stop();
  process.env[TEMPLATE_PGDATA_ENV.empty] = empty;

  const prepared = join(root, 'prepared');
  copyTemplatePgdata(join(prepared, 'pgdata'), 'empty');
  await (await startTestApp({}, { dataDir: prepared, embedded: true })).close();
  process.env[TEMPLATE_PGDATA_ENV.prepared] = join(prepared, 'pgdata');
}
