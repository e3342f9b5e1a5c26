import { Client } from 'pg';
import { type NotificationHandler, serverNotifications } from '../src/db/notifications';
import { TcpProxy } from './helpers/tcp-proxy';
import { createTestDatabase, serverUrl, type TestDatabase } from './helpers/test-database';
import { pollUntil } from './helpers/wait';
import { SET_UP_TIMEOUT_MS } from './helpers/setup';

/** A handler that records what it hears. */
function recorder() {
  const heard: string[] = [];
  let reconnects = 0;
  const handler: NotificationHandler = {
    onNotification: (channel, payload) => heard.push(`${channel}:${payload}`),
    onReconnected: () => {
      reconnects += 1;
    },
  };
  return { handler, heard, reconnects: () => reconnects };
}

// A server's LISTEN connection, behind a proxy the test can cut. Only on a PostgreSQL server: PGlite
// served on a port hands a notification to the connection that sent it, not to its listeners (the
// embedded database's own delivery is in-process, covered by the domain events' tests).
(serverUrl ? describe : describe.skip)('notifications on a server connection', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let notifications: ReturnType<typeof serverNotifications>;

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await TcpProxy.start(database.url!);
    notifications = serverNotifications({ clientUrl: proxy.rewrite(database.url!), minBackoffMs: 20, maxBackoffMs: 200 });
  }, SET_UP_TIMEOUT_MS);

  afterAll(async () => {
    await proxy?.cutOff();
    await database?.drop();
  });

  /** Notifies through a connection of its own, around the proxy. */
  async function notify(channel: string, payload: string): Promise<void> {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('select pg_notify($1, $2)', [channel, payload]);
    } finally {
      await client.end();
    }
  }

  it('carries every listener on one connection, survives its loss, and closes with the last listener', async () => {
    const events = recorder();
    const jobs = recorder();
    const stopEvents = await notifications.listen(['domain_events', 'import_progress'], events.handler);
    const stopJobs = await notifications.listen(['jobs'], jobs.handler);
    expect(proxy.accepted).toBe(1);

    await notify('domain_events', '1');
    await notify('jobs', 'mail');
    await pollUntil(() => events.heard.length === 1 && jobs.heard.length === 1, 'both listeners to hear their channel');
    expect(events.heard).toEqual(['domain_events:1']);
    expect(jobs.heard).toEqual(['jobs:mail']);

    // The connection drops: one reconnect listens to every channel again and tells every listener.
    await proxy.cutOff();
    await proxy.restore();
    await pollUntil(() => events.reconnects() === 1 && jobs.reconnects() === 1, 'both listeners to be told of the reconnect');
    expect(proxy.accepted).toBe(2);
    await notify('import_progress', '7');
    await notify('jobs', 'import');
    await pollUntil(() => events.heard.length === 2 && jobs.heard.length === 2, 'both listeners to hear after the reconnect');
    expect(events.heard).toEqual(['domain_events:1', 'import_progress:7']);
    expect(jobs.heard).toEqual(['jobs:mail', 'jobs:import']);

    // A listener that stops hears no more; the other still does, on the same connection.
    await stopEvents();
    await notify('domain_events', '2');
    await notify('jobs', 'webhook');
    await pollUntil(() => jobs.heard.length === 3, 'the remaining listener to hear');
    expect(events.heard).toHaveLength(2);
    expect(proxy.accepted).toBe(2);

    // The last one closes the connection; a new listener opens one again.
    await stopJobs();
    await pollUntil(() => !proxy.connected, 'the listening connection to close');
    const later = recorder();
    const stopLater = await notifications.listen(['jobs'], later.handler);
    expect(proxy.accepted).toBe(3);
    await notify('jobs', 'again');
    await pollUntil(() => later.heard.length === 1, 'a new listener to hear');
    await stopLater();
  });

  it('refuses the first listener when the database cannot be reached', async () => {
    await proxy.cutOff();
    try {
      await expect(notifications.listen(['jobs'], recorder().handler)).rejects.toThrow();
    } finally {
      await proxy.restore();
    }
  });
});
