import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, openDatabase } from '../src/db/database';
import { prepareDatabase } from '../src/db/prepare-database';
import { Company } from '../src/modules/company/company.entity';
import { LeaseLostError } from '../src/modules/import/import-batch';
import { ImportFile } from '../src/modules/import/import-file.entity';
import { processImport } from '../src/modules/import/import-processing';
import { claimNextImport } from '../src/modules/import/import-leases';
import { ImportWorker } from '../src/modules/import/import-worker';
import { createLogger } from '../src/shared/logger';
import { LocalFileStorage } from '../src/shared/storage/local-file-storage';
import { testConfig } from './helpers/test-app';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';
import { pollUntil } from './helpers/wait';

/**
 * The worker on its own, against a real database (embedded, or TEST_DATABASE_URL's server): no app
 * runs here, so the only workers are the ones each test starts and stops.
 */
describe('import worker', () => {
  const logger = createLogger('silent');
  let dataDir: string;
  let testDatabase: TestDatabase;
  let database: Database;
  let storage: LocalFileStorage;
  let companyId: number;
  const workers: ImportWorker[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'import-worker-test-'));
    testDatabase = await createTestDatabase();
    const config = testConfig(dataDir, testDatabase.url);
    database = await openDatabase(config);
    await prepareDatabase(database.orm, config, () => undefined);
    storage = new LocalFileStorage(join(dataDir, 'files'));
    const em = database.orm.em.fork();
    const company = em.create(Company, { name: 'Worker Co' });
    await em.flush();
    companyId = company.id;
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  });
  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const sql = (text: string, params: unknown[] = []): Promise<any[]> => database.orm.em.getConnection().execute(text, params);

  function newWorker(batchSize: number, leaseMs = 60_000): ImportWorker {
    const worker = new ImportWorker({ orm: database.orm, storage, logger }, { batchSize, pollIntervalMs: 20, leaseMs });
    workers.push(worker);
    return worker;
  }

  /**
   * Queues an import the way startImport does: the file in the storage, then the row. A line given
   * as a Buffer is stored as those bytes.
   */
  async function queueImport(lines: (string | Buffer)[], options: { store?: boolean; header?: string } = {}): Promise<number> {
    const storageKey = `imports/${companyId}/${randomBytes(16).toString('hex')}.csv`;
    if (options.store ?? true) {
      const file = [options.header ?? 'email,first_name,last_name', ...lines].flatMap((line) => [
        Buffer.from(line),
        Buffer.from('\n'),
      ]);
      await storage.put(storageKey, Buffer.concat(file), 'text/csv');
    }
    const em = database.orm.em.fork();
    const importFile = em.create(ImportFile, { name: 'test.csv', company: companyId, storageKey });
    await em.flush();
    return importFile.id;
  }

  const importRow = async (id: number) => {
    const [row] = await sql(
      `select status, total_rows, processed_rows, created_count, failed_count, locked_by, locked_until, finished_at
         from import_files where id = ?`,
      [id],
    );
    return row;
  };
  const errorRows = async (id: number) =>
    (await sql('select "row", field, message from import_row_errors where import_file_id = ? order by "row"', [id])).map(
      (error) => [error.row, error.message],
    );
  const usersLike = async (prefix: string) => {
    const [counts] = await sql(
      `select count(distinct u.id)::int as users, count(ua.id)::int as grants
         from users u left join user_accesses ua on ua.user_id = u.id where u.email like ?`,
      [`${prefix}%`],
    );
    return counts as { users: number; grants: number };
  };

  const until = <T>(probe: () => Promise<T>, what: string) => pollUntil(probe, what, { intervalMs: 20 });
  /** Starts `worker` and waits until it has stopped itself after committing its first batch. */
  async function runFirstBatchOnly(worker: ImportWorker): Promise<void> {
    let stopped: Promise<void> | undefined;
    worker.once('batch', () => {
      stopped = worker.stop();
    });
    worker.start();
    await until(async () => stopped !== undefined, 'the first batch');
    await stopped;
  }
  const completed = (id: number) =>
    until(async () => (await importRow(id)).status === 'completed' && importRow(id), `import ${id}`);

  /**
   * 95 rows: every 10th has a bad email, and row 45 repeats the email of row 3 (committed in the first
   * batch of ten, so a resumed worker must still recognise it).
   */
  function resumableRows(prefix: string): string[] {
    return Array.from({ length: 95 }, (_, index) => {
      const row = index + 1;
      if (row % 10 === 0) return `not-an-email-${row},Bad,Row`;
      if (row === 45) return `${prefix}-3@example.com,Again,Three`;
      return `${prefix}-${row}@example.com,Row,${row}`;
    });
  }
  const RESUMABLE_ERRORS = [
    ...[10, 20, 30, 40].map((row) => [row, 'must be an email']),
    [45, 'repeats the email of row 3'],
    ...[50, 60, 70, 80, 90].map((row) => [row, 'must be an email']),
  ];

  it('resumes after a restart from the last committed batch, creating no user twice', async () => {
    const id = await queueImport(resumableRows('restart'));
    await runFirstBatchOnly(newWorker(10));

    // Stopped after its first batch: ten rows committed (one of them bad), the lease given back.
    expect(await importRow(id)).toMatchObject({
      status: 'processing',
      total_rows: 95,
      processed_rows: 10,
      created_count: 9,
      failed_count: 1,
      locked_by: null,
    });
    expect(await usersLike('restart-')).toEqual({ users: 9, grants: 9 });

    newWorker(25).start();
    const done = await completed(id);
    expect(done).toMatchObject({ total_rows: 95, processed_rows: 95, created_count: 85, failed_count: 10, locked_by: null });
    expect(done.finished_at).toBeTruthy();
    expect(await usersLike('restart-')).toEqual({ users: 85, grants: 85 });
    expect(await errorRows(id)).toEqual(RESUMABLE_ERRORS);
  });

  it('rolls back a batch that fails and resumes it once the lease of the crashed worker expires', async () => {
    const id = await queueImport(resumableRows('crash'));
    await sql(`create function refuse_crash_15() returns trigger language plpgsql as $$
      begin if new.email = 'crash-15@example.com' then raise exception 'disk on fire'; end if; return new; end $$`);
    await sql('create trigger refuse_crash_15 before insert on users for each row execute function refuse_crash_15()');
    const crashing = newWorker(10, 1000);
    try {
      crashing.start();
      await until(async () => (await importRow(id)).processed_rows === 10 && (await usersLike('crash-')).users === 9, 'batch 1');
      // Batch 2 (rows 11..20) fails as a whole; the worker keeps its lease, as a crashed process would.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await crashing.stop();
    } finally {
      await sql('drop trigger refuse_crash_15 on users');
      await sql('drop function refuse_crash_15()');
    }
    expect(await importRow(id)).toMatchObject({ status: 'processing', processed_rows: 10, created_count: 9 });
    expect((await importRow(id)).locked_by).toBe(crashing.id);
    expect(await usersLike('crash-')).toEqual({ users: 9, grants: 9 });

    const successor = newWorker(10, 1000);
    successor.start();
    const done = await completed(id);
    expect(done).toMatchObject({ processed_rows: 95, created_count: 85, failed_count: 10 });
    expect(await usersLike('crash-')).toEqual({ users: 85, grants: 85 });
    expect(await errorRows(id)).toEqual(RESUMABLE_ERRORS);
  });

  it('drops a job whose lease another worker took over, writing nothing', async () => {
    const id = await queueImport(['lost-1@example.com,Lost,One']);
    const claimed = await claimNextImport(database.orm.em.fork(), 'worker-a', 60_000);
    expect(claimed).toMatchObject({ id, processedRows: 0 });
    await sql(`update import_files set locked_by = 'worker-b' where id = ?`, [id]);
    const attempt = processImport({ orm: database.orm, storage, logger }, claimed!, {
      workerId: 'worker-a',
      batchSize: 10,
      leaseMs: 60_000,
      shouldContinue: () => true,
      onBatch: () => undefined,
    });
    await expect(attempt).rejects.toBeInstanceOf(LeaseLostError);
    expect(await importRow(id)).toMatchObject({
      status: 'processing',
      processed_rows: 0,
      created_count: 0,
      locked_by: 'worker-b',
    });
    expect(await usersLike('lost-')).toEqual({ users: 0, grants: 0 });
    await sql(`update import_files set status = 'failed', locked_by = null where id = ?`, [id]);
  });

  it('lets two workers race over the same imports, each processed exactly once', async () => {
    const ids: number[] = [];
    for (let index = 0; index < 6; index += 1) {
      ids.push(
        await queueImport(
          Array.from({ length: 40 }, (_, row) =>
            row % 8 === 7 ? `bad-${index}-${row},X,Y` : `race-${index}-${row}@example.com,Race,${row}`,
          ),
        ),
      );
    }
    const committed: string[] = [];
    const [a, b] = [newWorker(7), newWorker(7)];
    for (const worker of [a, b]) {
      worker.on('batch', ({ importId, processedRows }) => committed.push(`${importId}:${processedRows}`));
      worker.start();
    }
    for (const id of ids) {
      expect(await completed(id)).toMatchObject({ total_rows: 40, processed_rows: 40, created_count: 35, failed_count: 5 });
      expect(await errorRows(id)).toHaveLength(5);
    }
    const [{ created }] = await sql('select sum(created_count)::int as created from import_files where id = any(?::int[])', [
      `{${ids.join(',')}}`,
    ]);
    expect(created).toBe(6 * 35);
    expect(await usersLike('race-')).toEqual({ users: 6 * 35, grants: 6 * 35 });
    // Every batch of every import committed once, by one of the two workers.
    const expected = ids.flatMap((id) => [7, 14, 21, 28, 35, 40].map((rows) => `${id}:${rows}`));
    expect([...committed].sort()).toEqual([...expected].sort());
  });

  it('keeps the row numbers of a file with malformed lines across a restart', async () => {
    const id = await queueImport([
      'mal-1@example.com,Mal,One',
      'mal-2@example.com,Bad "Quote",Two',
      Buffer.from('mal-3@example.com,Zo\xe9,Three', 'latin1'),
      'mal-4@example.com,"Two\nLines",Four',
      'mal-5@example.com,Mal,Five,extra',
      'mal-6@example.com,Mal,Six',
      'mal-4@example.com,Mal,Again',
    ]);
    await runFirstBatchOnly(newWorker(4));
    expect(await importRow(id)).toMatchObject({ status: 'processing', total_rows: 7, processed_rows: 4, created_count: 2 });

    newWorker(4).start();
    expect(await completed(id)).toMatchObject({ total_rows: 7, processed_rows: 7, created_count: 3, failed_count: 4 });
    expect(await errorRows(id)).toEqual([
      [2, 'has a quote inside an unquoted field'],
      [3, 'is not valid UTF-8 text'],
      [5, 'has 4 columns, the header has 3'],
      [7, 'repeats the email of row 4'],
    ]);
    expect(await usersLike('mal-')).toEqual({ users: 3, grants: 3 });
  });

  it('reads a quote that is never closed as one bad row, to the end of the file', async () => {
    const id = await queueImport([
      'open-1@example.com,Open,One',
      'open-2@example.com,"Never closed,Two',
      'open-3@example.com,Open,Three',
    ]);
    newWorker(10).start();
    expect(await completed(id)).toMatchObject({ total_rows: 2, processed_rows: 2, created_count: 1, failed_count: 1 });
    expect(await errorRows(id)).toEqual([[2, 'has a quote that is never closed, so the rest of the file is part of this row']]);
    expect(await usersLike('open-')).toEqual({ users: 1, grants: 1 });
  });

  it('fails an import whose file is missing or whose header is wrong, saying why', async () => {
    const missing = await queueImport([], { store: false });
    const wrongHeader = await queueImport(['head-1@example.com,Head,One'], { header: 'mail,first,last' });
    const quotedHeader = await queueImport(['head-2@example.com,Head,Two'], { header: 'email,first"name,last_name' });
    newWorker(10).start();
    const failed = (id: number) =>
      until(async () => (await importRow(id)).status === 'failed' && importRow(id), `import ${id} to fail`);

    expect(await failed(missing)).toMatchObject({ processed_rows: 0, created_count: 0, locked_by: null });
    expect((await importRow(missing)).finished_at).toBeTruthy();
    expect(await errorRows(missing)).toEqual([[0, 'the import file is missing from the storage']]);

    expect(await failed(wrongHeader)).toMatchObject({ processed_rows: 0, created_count: 0 });
    expect(await errorRows(wrongHeader)).toEqual([[0, expect.stringMatching(/^the first row must be the header /)]]);
    expect(await failed(quotedHeader)).toMatchObject({ processed_rows: 0, created_count: 0 });
    expect(await errorRows(quotedHeader)).toEqual([[0, 'the header has a quote inside an unquoted field']]);
    expect(await usersLike('head-')).toEqual({ users: 0, grants: 0 });
  });

  it('gives each worker a unique id and stops an idle worker at once', async () => {
    const [a, b] = [newWorker(10), newWorker(10)];
    expect(a.id).not.toBe(b.id);
    expect(a.id).toContain(String(process.pid));
    a.start();
    const started = Date.now();
    await a.stop();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
