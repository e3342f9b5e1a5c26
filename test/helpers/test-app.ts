import { once } from 'node:events';
import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/postgresql';
import { type App, createApp } from '../../src/app';
import { type Config, loadConfig } from '../../src/config';
import { type Database, openDatabase } from '../../src/db/database';
import { prepareDatabase } from '../../src/db/prepare-database';
import { createLogger, type Logger } from '../../src/shared/logger';
import type { EventBus } from '../../src/modules/events/event-bus';
import type { JobQueue } from '../../src/db/job-queue';
import { emptyDataDir, preparedDataDir } from './prepared-database';
import { recordStatements } from './statements';
import { createTestDatabase, type TestDatabase } from './test-database';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface TestApp {
  url: string;
  orm: MikroORM;
  config: Config;
  dataDir: string;
  graphql<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<HttpResult<T>>;
  request<T = any>(
    method: string,
    path: string,
    options?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<HttpResult<T>>;
  /** The app's event bus (committed domain events, import progress). */
  events: EventBus;
  /** The app's job queue, to queue a job as a service would. */
  jobs: JobQueue;
  /** The app's `/metrics` listener, which main.ts serves on METRICS_PORT. */
  metrics: App['metrics'];
  /** Counts the SQL statements the app sends while `work` runs. */
  countStatements(work: () => Promise<unknown>): Promise<number>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Reuse this data directory (and keep it on close), e.g. to restart on the same embedded database. */
  dataDir?: string;
  /** Use the embedded database even when TEST_DATABASE_URL names a server. */
  embedded?: boolean;
  /** Use this existing database (its creator drops it), e.g. to run two apps on one PostgreSQL database. */
  databaseUrl?: string;
  /** The app's logger (silent by default), e.g. to read the lines it writes. */
  logger?: Logger;
  /** Start on an empty database, not a copy of the prepared one: the app migrates and seeds it, as a first start does. */
  emptyDatabase?: boolean;
}

/** The configuration of a test: DATA_DIR, the test JWT secret, silent logs and DATABASE_URL when given, then `env`. */
export function testConfig(dataDir: string, databaseUrl: string | undefined, env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'silent',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...env,
  });
}

/** Starts the real app on a fresh database and a loopback port, as `main.ts` does. */
export async function startTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const testDatabase: TestDatabase = options.embedded
    ? { url: undefined, drop: async () => undefined }
    : options.databaseUrl
      ? { url: options.databaseUrl, drop: async () => undefined }
      : await createTestDatabase({ empty: options.emptyDatabase });
  const newDataDir = options.emptyDatabase ? emptyDataDir : preparedDataDir;
  const dataDir = options.dataDir ?? newDataDir('gateway-test-', !testDatabase.url);
  const removeDataDir = () => (options.dataDir ? undefined : rmSync(dataDir, { recursive: true, force: true }));
  let database: Database | undefined;
  let app: App | undefined;
  let server: Server | undefined;
  try {
    const config = testConfig(dataDir, testDatabase.url, env);
    database = await openDatabase(config, createLogger('silent'));
    await prepareDatabase(database.orm, config, () => undefined);
    app = await createApp({ database, config, logger: options.logger ?? createLogger('silent') });
    server = app.express.listen(0, '127.0.0.1');
    app.attach(server);
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const orm = database.orm;
    const opened = { database, app, server };

    const request = async (method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
        body:
          options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, headers: response.headers, body: body as any };
    };

    return {
      url,
      orm,
      config,
      dataDir,
      events: opened.app.deps.events,
      jobs: opened.app.deps.jobs,
      metrics: opened.app.metrics,
      request,
      graphql: (query, variables, token) =>
        request('POST', '/graphql', { body: { query, variables }, headers: token ? { authorization: `Bearer ${token}` } : {} }),
      async countStatements(work) {
        return (await recordStatements(work)).length;
      },
      async close() {
        // As a shutdown does (shutdown.ts): subscriptions end first, or their upgraded sockets keep the server open.
        await opened.app.closeSubscriptions();
        opened.server.closeAllConnections();
        await new Promise((resolve) => opened.server.close(resolve));
        await opened.app.stop();
        await opened.database.close();
        await testDatabase.drop();
        removeDataDir();
      },
    };
  } catch (error) {
    server?.close();
    await app?.stop();
    await database?.close();
    await testDatabase.drop();
    removeDataDir();
    throw error;
  }
}
