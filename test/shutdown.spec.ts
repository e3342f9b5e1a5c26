import { once } from 'node:events';
import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { type App, createApp } from '../src/app';
import { type Database, openDatabase } from '../src/db/database';
import { prepareDatabase } from '../src/db/prepare-database';
import { createLogger } from '../src/shared/logger';
import { shutDown } from '../src/shutdown';
import { PASSWORD } from './helpers/fixtures';
import { testConfig } from './helpers/test-app';
import { preparedDataDir } from './helpers/prepared-database';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';

const ADMIN = { email: 'ops@example.com', password: PASSWORD };
const logger = createLogger('silent');

/** The app as main.ts runs it, with the server handed to `shutDown` instead of a signal. */
async function startGateway() {
  const testDatabase: TestDatabase = await createTestDatabase();
  const dataDir = preparedDataDir('shutdown-test-', !testDatabase.url);
  const config = testConfig(dataDir, testDatabase.url, { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
  const database: Database = await openDatabase(config, logger);
  await prepareDatabase(database.orm, config, () => undefined);
  const app: App = await createApp({ database, config, logger });
  const server: Server = app.express.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    app,
    database,
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    async cleanUp() {
      if (server.listening) server.close();
      server.closeAllConnections();
      await database.close().catch(() => undefined);
      await testDatabase.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe('shutDown (what SIGTERM runs)', () => {
  it('stops being ready at once, lets the request in flight finish, then closes the server and the pool', async () => {
    const gateway = await startGateway();
    try {
      const arrived = once(gateway.server, 'request');
      // A login spends a while in Argon2: it is still running when the shutdown begins.
      const inFlight = fetch(`${gateway.url}/api/v1/users/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
      await arrived;
      const stopping = shutDown({ ...gateway, logger, graceMs: 5_000 });
      expect(await gateway.app.readiness.check()).toBe('shutting_down');

      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(((await response.json()) as { token: string }).token).toEqual(expect.any(String));
      await stopping;
      expect(gateway.server.listening).toBe(false);
      await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow();
      expect(await gateway.database.orm.isConnected()).toBe(false);
    } finally {
      await gateway.cleanUp();
    }
  }, 60_000);

  it('cuts a connection still busy after the grace period instead of waiting for it', async () => {
    const gateway = await startGateway();
    try {
      // A request whose body never arrives keeps its connection busy for ever.
      const stalled = connect(gateway.port, '127.0.0.1');
      await once(stalled, 'connect');
      stalled.write(
        'POST /api/v1/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
      );
      stalled.on('error', () => undefined);
      await once(gateway.server, 'request');
      const closedByServer = once(stalled, 'close');

      const started = Date.now();
      await shutDown({ ...gateway, logger, graceMs: 300 });
      expect(Date.now() - started).toBeLessThan(5_000);
      await closedByServer;
      expect(gateway.server.listening).toBe(false);
    } finally {
      await gateway.cleanUp();
    }
  }, 60_000);
});
