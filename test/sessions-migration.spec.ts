import { rmSync } from 'node:fs';
import { openDatabase } from '../src/db/database';
import { hashPassword } from '../src/modules/auth/passwords';
import { PASSWORD } from './helpers/fixtures';
import { LOGIN, me } from './helpers/documents';
import { emptyDataDir } from './helpers/prepared-database';
import { startTestApp, testConfig } from './helpers/test-app';
import { createTestDatabase } from './helpers/test-database';

/**
 * The migration that adds sessions, API keys and the audit trail, on a database that holds users
 * from the earlier migrations: they sign in afterwards, and the audit table is append-only at once.
 */
describe('migrating a database with users to sessions, API keys and the audit trail', () => {
  it('keeps every account usable and the new tables working', async () => {
    // Empty: the test migrates it to an earlier state itself.
    const database = await createTestDatabase({ empty: true });
    const dataDir = emptyDataDir('gateway-migration-', !database.url);
    const config = testConfig(dataDir, database.url);
    const opened = await openDatabase(config);
    let email: string;
    try {
      await opened.orm.getMigrator().up({ to: 'Migration20261204120000' });
      const sql = opened.orm.em.getConnection();
      const [user] = await sql.execute(
        `insert into users (first_name, last_name, email, password_hash, status, credentials_changed_at)
         values ('Early', 'Adopter', 'early@example.com', ?, 'active', now() - interval '1 day') returning email`,
        [await hashPassword(PASSWORD)],
      );
      email = user.email;

      await opened.orm.getMigrator().up();

      expect(await opened.orm.getMigrator().getPendingMigrations()).toEqual([]);
    } finally {
      await opened.close();
    }

    const app = await startTestApp({}, database.url ? { databaseUrl: database.url, dataDir } : { dataDir, embedded: true });
    try {
      const signedIn = await app.graphql(LOGIN.replace('{ token }', '{ token refreshToken }'), { email, password: PASSWORD });
      expect(signedIn.body.errors).toBeUndefined();
      expect((await me(app, signedIn.body.data.login.token)).body.data.me.email).toBe(email);
      const sql = app.orm.em.fork().getConnection();
      const [{ sessions }] = await sql.execute(`select count(*)::int as sessions from sessions`);
      expect(sessions).toBe(1);
      const [{ events }] = await sql.execute(`select count(*)::int as events from audit_events where action = 'session.login'`);
      expect(events).toBe(1);
      await expect(sql.execute(`update audit_events set action = 'tampered'`)).rejects.toThrow(/append-only/);
      await expect(sql.execute(`delete from audit_events`)).rejects.toThrow(/append-only/);
    } finally {
      await app.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
