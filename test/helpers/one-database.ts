import { rmSync } from 'node:fs';
import { preparedDataDir } from './prepared-database';
import { startTestApp, type TestApp } from './test-app';
import { createTestDatabase } from './test-database';

/** Apps started on one database, for what every gateway process must share. */
export interface OneDatabase {
  /** On a PostgreSQL server several apps run on it at once; the embedded one belongs to one app at a time. */
  onServer: boolean;
  start(): Promise<TestApp>;
  /** Stops an app before the next one starts (the embedded database's files are then free). */
  stop(app: TestApp): Promise<void>;
}

/** Runs `work` with apps on one fresh database (TEST_DATABASE_URL's server, or one embedded data directory), then removes it all. */
export async function withOneDatabase(
  env: Record<string, string>,
  work: (database: OneDatabase) => Promise<void>,
): Promise<void> {
  const shared = await createTestDatabase();
  const dataDir = preparedDataDir('one-database-', !shared.url);
  const options = shared.url ? { databaseUrl: shared.url } : { dataDir, embedded: true };
  const running = new Set<TestApp>();
  try {
    await work({
      onServer: Boolean(shared.url),
      async start() {
        const app = await startTestApp(env, options);
        running.add(app);
        return app;
      },
      async stop(app) {
        running.delete(app);
        await app.close();
      },
    });
  } finally {
    for (const app of running) await app.close();
    await shared.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
