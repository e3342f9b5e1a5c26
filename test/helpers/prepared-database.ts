import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The databases a test starts from, made once per run by the global set-up (template-database.ts)
 * and copied for each test: creating an embedded database (PGlite's initdb) and running every
 * migration take seconds each, copying a directory a fraction of one.
 *
 * - prepared: a database an app has already started on (migrated, seeded, its job queues created),
 *   so that a test app's own start finds nothing to do. What most tests start from.
 * - empty: an embedded database as PGlite creates it, for tests of a first start or of migrating
 *   older data. On a server an empty database costs nothing: `createTestDatabase({ empty: true })`.
 */
export type TemplateKind = 'prepared' | 'empty';

/** Where the global set-up left the embedded templates: PGlite data directories (what an app keeps in DATA_DIR/pgdata). */
export const TEMPLATE_PGDATA_ENV: Record<TemplateKind, string> = {
  prepared: 'GATEWAY_TEST_PREPARED_PGDATA',
  empty: 'GATEWAY_TEST_EMPTY_PGDATA',
};

/** The name of the prepared template database the global set-up made on TEST_DATABASE_URL's server. */
export const TEMPLATE_DATABASE_ENV = 'GATEWAY_TEST_TEMPLATE_DATABASE';

/** The server's template database to copy, when the global set-up made one. */
export function templateDatabase(): string | undefined {
  return process.env[TEMPLATE_DATABASE_ENV] || undefined;
}

/** Fills `pgdata`, the directory of an embedded database not made yet (absent or empty), with a copy of a template. */
export function copyTemplatePgdata(pgdata: string, kind: TemplateKind = 'prepared'): void {
  const template = process.env[TEMPLATE_PGDATA_ENV[kind]];
  // Without the global set-up (a run with another Jest config) the database is made and prepared as on a first start.
  if (template) cpSync(template, pgdata, { recursive: true });
}

/** A new DATA_DIR; when the app's database is the embedded one (`embedded`), it already holds the prepared database. */
export function preparedDataDir(prefix: string, embedded: boolean): string {
  return newDataDir(prefix, embedded ? 'prepared' : undefined);
}

/** A new DATA_DIR; when the app's database is the embedded one (`embedded`), it holds an empty database. */
export function emptyDataDir(prefix: string, embedded: boolean): string {
  return newDataDir(prefix, embedded ? 'empty' : undefined);
}

function newDataDir(prefix: string, kind: TemplateKind | undefined): string {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  if (kind) copyTemplatePgdata(join(dataDir, 'pgdata'), kind);
  return dataDir;
}
