import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../src/db/database';
import { LocalFileStorage } from '../src/shared/storage/local-file-storage';
import { waitForImport } from './helpers/imports';
import { emptyDataDir } from './helpers/prepared-database';
import { startTestApp, testConfig } from './helpers/test-app';
import { createTestDatabase } from './helpers/test-database';

/**
 * The migrations that move imports onto the job queue and add webhooks, on a database holding data
 * of the earlier ones: an import the old worker had claimed is finished by a job, and the domain
 * events from before count as handed on (a webhook registered later never receives them).
 */
describe('migrating a database with imports and domain events to the job queue and webhooks', () => {
  it('finishes the import left behind and hands on only the events committed afterwards', async () => {
    // Empty: the test migrates it to an earlier state itself.
    const database = await createTestDatabase({ empty: true });
    const dataDir = emptyDataDir('gateway-jobs-migration-', !database.url);
    const config = testConfig(dataDir, database.url);
    const opened = await openDatabase(config);
    let importId: number;
    let oldEventId: number;
    try {
      await opened.orm.getMigrator().up({ to: 'Migration20261205130000' });
      const sql = opened.orm.em.getConnection();
      const [company] = await sql.execute(`insert into companies (name) values ('Before Jobs') returning id`);
      const storageKey = `imports/${company.id}/left-behind.csv`;
      await new LocalFileStorage(join(dataDir, 'files')).put(
        storageKey,
        Buffer.from('email,first_name,last_name\nleft-1@example.com,Left,One\nleft-2@example.com,Left,Two\n'),
        'text/csv',
      );
      const [imported] = await sql.execute(
        `insert into import_files (name, company_id, storage_key, status, locked_by, locked_until, started_at)
         values ('left.csv', ?, ?, 'processing', 'an-old-worker', now() + interval '1 hour', now()) returning id`,
        [company.id, storageKey],
      );
      importId = imported.id;
      const [event] = await sql.execute(
        `insert into domain_events (type, company_id, payload) values ('company.created', ?, '{}') returning id`,
        [company.id],
      );
      oldEventId = event.id;

      await opened.orm.getMigrator().up();
      expect(await opened.orm.getMigrator().getPendingMigrations()).toEqual([]);
      const [old] = await sql.execute('select webhooks_dispatched_at from domain_events where id = ?', [oldEventId]);
      expect(old.webhooks_dispatched_at).not.toBeNull();
    } finally {
      await opened.close();
    }

    const app = await startTestApp({}, database.url ? { databaseUrl: database.url, dataDir } : { dataDir, embedded: true });
    try {
      expect(await waitForImport(app, importId)).toBe('completed');
      const sql = app.orm.em.fork().getConnection();
      const [{ users }] = await sql.execute(`select count(*)::int as users from users where email like 'left-%'`);
      expect(users).toBe(2);
      const [{ undispatched }] = await sql.execute(
        'select count(*)::int as undispatched from domain_events where id <= ? and webhooks_dispatched_at is null',
        [oldEventId],
      );
      expect(undispatched).toBe(0);
    } finally {
      await app.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
