import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * A fresh, empty database for one test file: on the PostgreSQL server named by TEST_DATABASE_URL
 * when it is set (CI), otherwise nothing here and the app starts its embedded PGlite in DATA_DIR.
 */
export interface TestDatabase {
  /** DATABASE_URL for the app, or undefined for the embedded database. */
  url: string | undefined;
  drop(): Promise<void>;
}

export const serverUrl = process.env.TEST_DATABASE_URL || undefined;

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!serverUrl) return { url: undefined, drop: async () => undefined };
  const name = `gateway_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`create database ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdminClient((client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
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
