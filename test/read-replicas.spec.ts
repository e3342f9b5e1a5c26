import { createLogger } from '../src/shared/logger';
import { buildWorld, type World } from './helpers/fixtures';
import { recordStatements } from './helpers/statements';
import { startTestApp, type TestApp } from './helpers/test-app';
import { serverUrl } from './helpers/test-database';
import { pollUntil } from './helpers/wait';
import { postgresBinDir, PrivatePostgres } from './faults/private-postgres';
import { SET_UP_TIMEOUT_MS } from './helpers/setup';

/**
 * Read replicas on a real streaming replica: a private primary and a base backup of it following
 * its WAL, two gateway apps on the primary with the replica in DATABASE_READ_URLS. Where a read
 * went is told by the port of the driver connection each statement was sent on; a paused replay
 * makes the replica's answers visibly stale, which only a read on the replica can give.
 */

const bin = postgresBinDir();
const MAX_LAG_MS = 2000;
const USER_QUERY = 'query($id: ID!) { user(id: $id) { firstName } }';
const USERS_QUERY = '{ users(first: 5) { totalCount edges { node { id fullName } } } }';
/** The viewer's statement (src/modules/auth/scope.ts) and the session's last-use stamp: what a read request sends the primary. */
const AUTHENTICATION = /left join sessions s on s\.id = |update sessions set last_used_at/;
/** The replica health check (src/db/read-replicas.ts), sent on the replica's pool in the background. */
const HEALTH_CHECK = /^select pg_is_in_recovery\(\)/;

(serverUrl && bin ? describe : describe.skip)('read replicas (a private primary and its streaming replica)', () => {
  let primary: PrivatePostgres | undefined;
  let replica: PrivatePostgres | undefined;
  let app: TestApp;
  let otherProcess: TestApp;
  let world: World;
  const logLines: { msg: string; replica?: string; problem?: string }[] = [];
  const logger = createLogger('info', { write: (line: string) => logLines.push(JSON.parse(line)) });

  beforeAll(async () => {
    primary = await PrivatePostgres.create(bin!);
    replica = await PrivatePostgres.replicaOf(primary);
    const env = { DATABASE_READ_URLS: replica.url, REPLICA_MAX_LAG_MS: String(MAX_LAG_MS), READ_AFTER_WRITE_MS: '2000' };
    app = await startTestApp(env, { databaseUrl: primary.url, logger });
    otherProcess = await startTestApp(env, { databaseUrl: primary.url });
    world = await buildWorld(app);
    await replicaCaughtUp();
    await readsGoTo('replica');
  }, SET_UP_TIMEOUT_MS);

  afterAll(async () => {
    for (const closing of [otherProcess, app]) await closing?.close().catch(() => undefined);
    await replica?.destroy();
    await primary?.destroy();
  });

  /** The statements `work` sent, by server; the replica's health checks left out. */
  async function sentTo(work: () => Promise<unknown>): Promise<{ primary: string[]; replica: string[] }> {
    const sent = { primary: [] as string[], replica: [] as string[] };
    for (const { config, client } of await recordStatements(work)) {
      const text = typeof config === 'string' ? config : ((config as { text?: string }).text ?? '');
      if (HEALTH_CHECK.test(text)) continue;
      const port = (client as unknown as { port: number }).port;
      if (port === replica!.port) sent.replica.push(text);
      else if (port === primary!.port) sent.primary.push(text);
      else throw new Error(`a statement went to port ${port}`);
    }
    return sent;
  }

  async function firstName(viewer: keyof World['users'], through = app): Promise<string> {
    const { status, body } = await through.graphql(USER_QUERY, { id: String(world.users.eastMember.id) }, world.token(viewer));
    expect({ status, errors: body.errors }).toEqual({ status: 200, errors: undefined });
    return body.data.user.firstName;
  }

  /** Waits until `viewer`'s reads land there (a health check flips a replica at most every 500 ms). */
  async function readsGoTo(where: 'primary' | 'replica', viewer: keyof World['users'] = 'eastManager'): Promise<void> {
    await pollUntil(
      async () => {
        const sent = await sentTo(() => firstName(viewer));
        return where === 'replica' ? sent.replica.length > 0 : sent.replica.length === 0;
      },
      `reads on the ${where}`,
      { timeoutMs: 15_000, intervalMs: 100 },
    );
  }

  async function replicaCaughtUp(): Promise<void> {
    const [{ lsn }] = await primary!.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
    await pollUntil(
      async () =>
        (await replica!.query<{ done: boolean }>('select pg_last_wal_replay_lsn() >= $1::pg_lsn as done', [lsn]))[0].done,
      'the replica to catch up',
    );
  }

  async function rename(viewer: keyof World['users'], name: string): Promise<void> {
    const { status, body } = await app.graphql(
      'mutation($id: ID!, $name: String!) { updateUser(id: $id, input: { firstName: $name }) { firstName } }',
      { id: String(world.users[viewer].id), name },
      world.token(viewer),
    );
    expect({ status, errors: body.errors, name: body.data?.updateUser.firstName }).toEqual({
      status: 200,
      errors: undefined,
      name,
    });
  }

  it('runs GraphQL and REST reads on the replica, and only the authentication on the primary', async () => {
    const graphql = await sentTo(async () => {
      const { status, body } = await app.graphql(USERS_QUERY, {}, world.token('superAdmin'));
      expect({ status, errors: body.errors }).toEqual({ status: 200, errors: undefined });
      expect(body.data.users.totalCount).toBeGreaterThanOrEqual(8);
    });
    expect(graphql.replica.some((text) => text.includes('from "users" u'))).toBe(true);
    expect(graphql.primary.filter((text) => !AUTHENTICATION.test(text))).toEqual([]);
    expect(graphql.primary.filter((text) => text.includes('left join sessions s'))).toHaveLength(1);

    const rest = await sentTo(async () => {
      const { status, body } = await app.request('GET', `/api/v1/users/${world.users.eastMember.id}`, {
        headers: world.headers('eastManager'),
      });
      expect(status).toBe(200);
      expect(body.user.first_name).toBe('EastMember');
    });
    expect(rest.replica.length).toBeGreaterThan(0);
    expect(rest.primary.filter((text) => !AUTHENTICATION.test(text))).toEqual([]);
  });

  it("keeps a writer's reads on the primary, in both processes, while others read the lagging replica", async () => {
    // A commit the replica replays just before the pause: its lag then counts from now, below the limit.
    await primary!.query('create table if not exists replica_probe (at timestamptz); insert into replica_probe values (now())');
    await replicaCaughtUp();
    await replica!.query('select pg_wal_replay_pause()');
    try {
      await rename('eastMember', 'Renamed');
      const writer = await sentTo(async () => {
        expect(await firstName('eastMember')).toBe('Renamed');
        expect(await firstName('eastMember', otherProcess)).toBe('Renamed');
        const { body } = await otherProcess.request('GET', `/api/v1/users/${world.users.eastMember.id}`, {
          headers: world.headers('eastMember'),
        });
        expect(body.user.first_name).toBe('Renamed');
      });
      expect(writer.replica).toEqual([]);

      // Another viewer still reads the replica, where the write has not been replayed.
      const other = await sentTo(async () => expect(await firstName('eastManager')).toBe('EastMember'));
      expect(other.replica.length).toBeGreaterThan(0);

      // Past REPLICA_MAX_LAG_MS the replica is skipped: everyone reads the primary, and sees the write.
      await readsGoTo('primary');
      expect(await firstName('eastManager')).toBe('Renamed');
    } finally {
      await replica!.query('select pg_wal_replay_resume()');
    }
    await readsGoTo('replica');
    expect(await firstName('eastManager')).toBe('Renamed');
  });

  it('answers every request while the replica stops, and reads from it again once it is back', async () => {
    const statuses: number[] = [];
    let firing = true;
    const client = async (index: number) => {
      while (firing) {
        const response =
          index % 2 === 0
            ? await app.graphql(USERS_QUERY, {}, world.token('superAdmin'))
            : await app.request('GET', `/api/v1/users/${world.users.eastMember.id}`, { headers: world.headers('eastManager') });
        statuses.push(response.body.errors ? -response.status : response.status);
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await replica!.stop('immediate');
      await new Promise((resolve) => setTimeout(resolve, 1500));
    } finally {
      firing = false;
      await Promise.all(clients);
    }
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    // Found by a failed read or by a health check, whichever came first; named without credentials.
    const skipped = logLines.filter((line) => line.msg === 'read replica skipped');
    expect(skipped.map((line) => line.replica)).toContain(`127.0.0.1:${replica!.port}/postgres`);
    await readsGoTo('primary');

    await replica!.start();
    await readsGoTo('replica');
  });
});
