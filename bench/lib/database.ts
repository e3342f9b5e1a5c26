import { Client } from 'pg';
import { onCleanup } from './cleanup';

export const BENCH_DATABASE_NAME = 'leadsy_bench';
const DEFAULT_SERVER_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  /** A database on the server to run CREATE/DROP DATABASE from (BENCH_DATABASE_URL). */
  adminUrl: string;
  /** The benchmark's own database on the same server. */
  url: string;
  host: string;
  port: number;
}

export function benchDatabase(env: NodeJS.ProcessEnv = process.env): BenchDatabase {
  const adminUrl = env.BENCH_DATABASE_URL || DEFAULT_SERVER_URL;
  const parsed = new URL(adminUrl);
  const bench = new URL(adminUrl);
  bench.pathname = `/${BENCH_DATABASE_NAME}`;
  return { adminUrl, url: bench.toString(), host: parsed.hostname, port: Number(parsed.port || 5432) };
}

/** The same URL, but through the statement-counting proxy listening on 127.0.0.1:`port`. */
export function viaProxy(url: string, port: number): string {
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);
  return proxied.toString();
}

export async function recreateDatabase(db: BenchDatabase): Promise<void> {
  await withClient(db.adminUrl, async (client) => {
    await client.query(`drop database if exists ${BENCH_DATABASE_NAME} with (force)`);
    await client.query(`create database ${BENCH_DATABASE_NAME}`);
  });
}

export async function dropDatabase(db: BenchDatabase): Promise<void> {
  await withClient(db.adminUrl, (client) => client.query(`drop database if exists ${BENCH_DATABASE_NAME} with (force)`));
}

/**
 * A database of the benchmark's own on the bench server, created afresh (dropped first if it was
 * kept), dropped again at clean-up unless `keep`: its URL.
 */
export async function ownDatabase(name: string, { keep }: { keep: boolean }): Promise<string> {
  const { adminUrl } = benchDatabase();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = () => withClient(adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
  await drop();
  await withClient(adminUrl, (client) => client.query(`create database ${name}`));
  if (!keep) onCleanup(`database ${name}`, async () => void (await drop()));
  return url.toString();
}

export async function serverVersion(url: string): Promise<string> {
  return withClient(url, async (client) => (await client.query('show server_version')).rows[0].server_version as string);
}

export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
