import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { templateDatabase } from './prepared-database';

/**
 * A fresh database for one test file: on the PostgreSQL server named by TEST_DATABASE_URL when it
 * is set (CI), a copy of the prepared template or an empty one; otherwise nothing here and the app
 * starts its embedded PGlite in DATA_DIR.
 */
export interface TestDatabase {
  /** DATABASE_URL for the app, or undefined for the embedded database. */
  url: string | undefined;
  drop(): Promise<void>;
}

export const serverUrl = process.env.TEST_DATABASE_URL || undefined;

export interface TestDatabaseOptions {
  /** An empty database instead of a copy of the prepared template (prepared-database.ts), e.g. to test migrations. */
  empty?: boolean;
}

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  if (!serverUrl) return { url: undefined, drop: async () => undefined };
  const name = `gateway_test_${randomBytes(6).toString('hex')}`;
  const template = options.empty ? undefined : templateDatabase();
  await withAdminClient((client) => client.query(`create database ${name}${template ? ` template ${template}` : ''}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => dropTestDatabase(name),
  };
}

/** Drops a database of TEST_DATABASE_URL's server, ending the sessions still on it. */
export async function dropTestDatabase(name: string): Promise<void> {
  await withAdminClient((client) => client.query(`drop database if exists ${name} with (force)`));
}

async function withAdminClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
