import { rmSync } from 'node:fs';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { prepareDatabase } from '../src/db/prepare-database';
import { DEVELOPMENT_ADMIN_EMAIL } from '../src/db/seeders/bootstrap-admin';
import { PASSWORD } from './helpers/fixtures';
import { emptyDataDir } from './helpers/prepared-database';
import { startTestApp } from './helpers/test-app';
import { login } from './helpers/documents';

const TABLES = ['accesses', 'memberships', 'stages', 'legal_terms', 'companies', 'users', 'user_accesses'];

async function rowCounts(app: { orm: { em: { getConnection(): { execute(sql: string): Promise<any[]> } } } }) {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const [{ count }] = await app.orm.em.getConnection().execute(`select count(*)::int as count from ${table}`);
    counts[table] = count;
  }
  return counts;
}

/**
 * Migrating an embedded database from empty takes PGlite 20–30 s on an idle 2-core machine, and
 * more than twice that while other test files run: these tests get time for the load, not for idle.
 */
const FIRST_START_TIMEOUT_MS = 180_000;

describe('database lifecycle', () => {
  it(
    'keeps the embedded database’s data across a restart, and a second start changes nothing',
    async () => {
      const dataDir = emptyDataDir('gateway-restart-', true);
      const env = { ADMIN_EMAIL: 'ops@example.com', ADMIN_PASSWORD: PASSWORD };
      try {
        const first = await startTestApp(env, { dataDir, embedded: true });
        const [{ shared_buffers }] = await first.orm.em.getConnection().execute('show shared_buffers');
        expect(shared_buffers).toBe('16MB');
        const signedIn = await login(first, 'ops@example.com', PASSWORD);
        expect(signedIn.body.data.login.token).toBeTruthy();
        await first.orm.em.getConnection().execute(`update companies set name = 'Renamed before restart' where is_default`);
        const before = await rowCounts(first);
        await first.close();

        const second = await startTestApp(env, { dataDir, embedded: true });
        expect(await rowCounts(second)).toEqual(before);
        const [{ name }] = await second.orm.em.getConnection().execute(`select name from companies where is_default`);
        expect(name).toBe('Renamed before restart');
        const again = await login(second, 'ops@example.com', PASSWORD);
        expect(again.body.data.login.token).toBeTruthy();
        await second.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    FIRST_START_TIMEOUT_MS,
  );

  it(
    'seeds the reference data and creates the configured admin as an active super_admin',
    async () => {
      const app = await startTestApp({ ADMIN_EMAIL: 'Ops@Example.com', ADMIN_PASSWORD: PASSWORD }, { emptyDatabase: true });
      try {
        const counts = await rowCounts(app);
        expect(counts).toMatchObject({ accesses: 4, companies: 1, users: 1, user_accesses: 1 });
        expect(counts.memberships).toBeGreaterThanOrEqual(3);
        const [admin] = await app.orm.em.getConnection().execute(
          `select u.email, u.status, a.key, ua.primary, c.is_default from users u
         join user_accesses ua on ua.user_id = u.id join accesses a on a.id = ua.access_id join companies c on c.id = ua.company_id`,
        );
        expect(admin).toEqual({
          email: 'ops@example.com',
          status: 'active',
          key: 'super_admin',
          primary: true,
          is_default: true,
        });
        const keys = (await app.orm.em.getConnection().execute('select key from accesses order by rank')).map(
          (row: any) => row.key,
        );
        expect(keys).toEqual(['member', 'manager', 'admin', 'super_admin']);

        await prepareDatabase(app.orm, app.config, () => undefined);
        expect(await rowCounts(app)).toEqual(counts);
      } finally {
        await app.close();
      }
    },
    FIRST_START_TIMEOUT_MS,
  );

  it(
    'prints a generated admin password on the first development start only, and never in production',
    async () => {
      const dataDir = emptyDataDir('gateway-bootstrap-', true);
      const database = await openDatabase(loadConfig({ DATA_DIR: dataDir }));
      try {
        const announcements: string[] = [];
        const production = loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(40) });
        await prepareDatabase(database.orm, production, (message) => announcements.push(message));
        expect(announcements).toEqual([]);

        const development = loadConfig({ DATA_DIR: dataDir });
        await prepareDatabase(database.orm, development, (message) => announcements.push(message));
        await prepareDatabase(database.orm, development, (message) => announcements.push(message));
        expect(announcements).toHaveLength(1);
        expect(announcements[0]).toContain(DEVELOPMENT_ADMIN_EMAIL);
        const [{ count }] = await database.orm.em.getConnection().execute(`select count(*)::int as count from users`);
        expect(count).toBe(1);
      } finally {
        await database.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    FIRST_START_TIMEOUT_MS,
  );

  it('reports liveness and readiness', async () => {
    const app = await startTestApp();
    try {
      expect((await app.request('GET', '/healthz')).body).toEqual({ status: 'ok' });
      const ready = await app.request('GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: 'ready' });
      expect(ready.headers.get('x-request-id')).toMatch(/^[\w-]{8,}$/);
    } finally {
      await app.close();
    }
  });
});
