import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, openDatabase } from '../src/db/database';
import { type Job, JobQueue, JOBS_SCHEMA } from '../src/db/job-queue';
import { prepareDatabase } from '../src/db/prepare-database';
import { Company } from '../src/modules/company/company.entity';
import { ImportFile } from '../src/modules/import/import-file.entity';
import {
  IMPORT_QUEUE,
  type ImportJobData,
  importJobHandler,
  importQueue,
  type ImportQueueSettings,
  queueImportJob,
} from '../src/modules/import/import-jobs';
import { createLogger, type Logger } from '../src/shared/logger';
import { LocalFileStorage } from '../src/shared/storage/local-file-storage';
import { testConfig } from './helpers/test-app';
import { preparedDataDir } from './helpers/prepared-database';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';
import { pollUntil } from './helpers/wait';
import { SET_UP_TIMEOUT_MS } from './helpers/setup';

/** A line the job handlers logged (pino's JSON), for telling which attempt did what. */
interface LogLine {
  msg: string;
  importId?: number;
  end?: string;
  process?: string;
}

/**
 * Import jobs on a real pg-boss queue, against a real database (embedded, or TEST_DATABASE_URL's
 * server): no app runs here, so the only workers are those of the queues each test starts (a
 * queue stands for a gateway process) and stops.
 */
describe('import jobs', () => {
  const lines: LogLine[] = [];
  const logger: Logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  let dataDir: string;
  let testDatabase: TestDatabase;
  let database: Database;
  let storage: LocalFileStorage;
  let companyId: number;
  const queues: JobQueue[] = [];

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    dataDir = preparedDataDir('import-jobs-test-', !testDatabase.url);
    const config = testConfig(dataDir, testDatabase.url);
    database = await openDatabase(config);
    await prepareDatabase(database.orm, config, () => undefined);
    storage = new LocalFileStorage(join(dataDir, 'files'));
    const em = database.orm.em.fork();
    const company = em.create(Company, { name: 'Worker Co' });
    await em.flush();
    companyId = company.id;
  }, SET_UP_TIMEOUT_MS);
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.stop()));
    // A test that failed half-way leaves nothing for the next one's workers to pick up.
    await sql(`delete from ${JOBS_SCHEMA}.job where name = ? and state in ('created', 'retry', 'active')`, [IMPORT_QUEUE]);
    await sql(`update import_files set status = 'failed' where status in ('queued', 'processing')`);
    lines.length = 0;
  });
  afterAll(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.stop()));
    await database?.close();
    await testDatabase?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const sql = (text: string, params: unknown[] = []): Promise<any[]> => database.orm.em.getConnection().execute(text, params);

  const settingsOf = (batchSize: number, retryLimit = 2): ImportQueueSettings => ({
    batchSize,
    retryLimit,
    retryDelaySeconds: 1,
  });

  /**
   * A gateway process's job queue: started with the `import` queue and, unless `work` is false,
   * working on it with the import job handler. Every test's queues are stopped after it.
   */
  async function startQueue(
    settings: ImportQueueSettings,
    { work = true, name = 'a' }: { work?: boolean; name?: string } = {},
  ): Promise<JobQueue> {
    const jobs = new JobQueue({
      connectionUrl: database.connectionUrl,
      poolMax: database.embedded ? 1 : 2,
      pollIntervalSeconds: 0.5,
      notifications: database.notifications,
      logger,
    });
    queues.push(jobs);
    await jobs.start([importQueue(settings)]);
    if (work) await jobs.work(IMPORT_QUEUE, handlerOf(jobs, settings, name));
    return jobs;
  }
  const handlerOf = (jobs: JobQueue, settings: ImportQueueSettings, name = 'a') =>
    importJobHandler({ orm: database.orm, storage, logger: logger.child({ process: name }), jobs }, settings);

  /** Stops `jobs` (as a shutdown does) and forgets it. */
  async function stopQueue(jobs: JobQueue): Promise<void> {
    queues.splice(queues.indexOf(jobs), 1);
    await jobs.stop();
  }

  /** An attempt as the queue would hand it to the handler; `stopping` already aborted makes it commit one batch and pause. */
  function fakeJob(importId: number, { stopping = false } = {}): Job<ImportJobData> {
    return {
      id: `fake-${randomBytes(4).toString('hex')}`,
      data: { importId },
      attempt: 1,
      lastAttempt: false,
      stopping: stopping ? AbortSignal.abort() : new AbortController().signal,
    };
  }

  /**
   * An import as ImportService.start leaves it: the file in the storage, then the row, and its job
   * when `jobs` is given (in the row's transaction). A line given as a Buffer is stored as those bytes.
   */
  async function queueImport(
    jobs: JobQueue | undefined,
    lines: (string | Buffer)[],
    options: { store?: boolean; header?: string } = {},
  ): Promise<{ id: number; jobId: string | undefined }> {
    const storageKey = `imports/${companyId}/${randomBytes(16).toString('hex')}.csv`;
    if (options.store ?? true) {
      const file = [options.header ?? 'email,first_name,last_name', ...lines].flatMap((line) => [
        Buffer.from(line),
        Buffer.from('\n'),
      ]);
      await storage.put(storageKey, Buffer.concat(file), 'text/csv');
    }
    return database.orm.em.fork().transactional(async (tx) => {
      const importFile = tx.create(ImportFile, { name: 'test.csv', company: companyId, storageKey });
      await tx.flush();
      const jobId = jobs ? await queueImportJob(jobs, tx, importFile.id) : undefined;
      return { id: importFile.id, jobId };
    });
  }

  const importRow = async (id: number) => {
    const [row] = await sql(
      `select status, total_rows, processed_rows, created_count, failed_count, finished_at from import_files where id = ?`,
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
  /** The pg-boss jobs of an import, oldest first. */
  const jobsOf = async (importId: number) =>
    (await sql(
      `select id, state, retry_count from ${JOBS_SCHEMA}.job
        where name = ? and (data ->> 'importId')::int = ? order by created_on, id`,
      [IMPORT_QUEUE, importId],
    )) as { id: string; state: string; retry_count: number }[];
  const jobState = async (jobId: string) =>
    ((await sql(`select state from ${JOBS_SCHEMA}.job where id = ?`, [jobId]))[0]?.state as string | undefined) ?? 'gone';
  /** How often an import's attempts ended each way, from the handlers' log lines. */
  const endings = (importId: number) =>
    lines.filter((line) => line.importId === importId && line.msg === 'import job finished').map((line) => line.end);
  const movedOn = (importId: number) =>
    lines.filter((line) => line.importId === importId && line.msg.startsWith('another attempt of this import committed first'))
      .length;

  const until = <T>(probe: () => Promise<T>, what: string) => pollUntil(probe, what, { intervalMs: 20 });
  const completed = (id: number) =>
    until(async () => (await importRow(id)).status === 'completed' && importRow(id), `import ${id} to complete`);
  const failed = (id: number) =>
    until(async () => (await importRow(id)).status === 'failed' && importRow(id), `import ${id} to fail`);
  const jobReaches = (jobId: string, state: string) =>
    until(async () => (await jobState(jobId)) === state, `job ${jobId} to be ${state}`);

  /** Makes every insert of a user with `email` fail, as a broken disk would, until the returned function runs. */
  async function refuseUser(email: string): Promise<() => Promise<void>> {
    const name = `refuse_${randomBytes(4).toString('hex')}`;
    await sql(`create function ${name}() returns trigger language plpgsql as $$
      begin if new.email = '${email}' then raise exception 'disk on fire'; end if; return new; end $$`);
    await sql(`create trigger ${name} before insert on users for each row execute function ${name}()`);
    return async () => {
      await sql(`drop trigger if exists ${name} on users`);
      await sql(`drop function if exists ${name}()`);
    };
  }

  /**
   * 95 rows: every 10th has a bad email, and row 45 repeats the email of row 3 (committed in the first
   * batch of ten, so a resumed attempt must still recognise it).
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
  const RESUMABLE_DONE = { status: 'completed', total_rows: 95, processed_rows: 95, created_count: 85, failed_count: 10 };

  it('resumes after a restart from the last committed batch, creating no user twice', async () => {
    const first = await startQueue(settingsOf(10), { work: false });
    const { id } = await queueImport(undefined, resumableRows('restart'));
    // An attempt told to stop at once: it commits its first batch, then hands the rest to a new job.
    await handlerOf(first, settingsOf(10))(fakeJob(id, { stopping: true }));

    expect(await importRow(id)).toMatchObject({
      status: 'processing',
      total_rows: 95,
      processed_rows: 10,
      created_count: 9,
      failed_count: 1,
      finished_at: null,
    });
    expect(await usersLike('restart-')).toEqual({ users: 9, grants: 9 });
    expect(await errorRows(id)).toEqual([[10, 'must be an email']]);
    const [continuation, ...others] = await jobsOf(id);
    expect(others).toEqual([]);
    expect(continuation).toMatchObject({ state: 'created', retry_count: 0 });
    await stopQueue(first);

    // The restarted process works with a larger batch: it resumes at row 11 all the same.
    await startQueue(settingsOf(25));
    const done = await completed(id);
    expect(done).toMatchObject(RESUMABLE_DONE);
    expect(done.finished_at).toBeTruthy();
    expect(await usersLike('restart-')).toEqual({ users: 85, grants: 85 });
    expect(await errorRows(id)).toEqual(RESUMABLE_ERRORS);
    await jobReaches(continuation.id, 'completed');
  });

  it('rolls back a batch that fails and retries it with backoff, creating nothing twice', async () => {
    const jobs = await startQueue(settingsOf(10, 3));
    const restore = await refuseUser('crash-15@example.com');
    let queued: Awaited<ReturnType<typeof queueImport>>;
    try {
      queued = await queueImport(jobs, resumableRows('crash'));
      // The first attempt committed batch 1, then batch 2 (rows 11..20) failed as a whole: a retry waits.
      await jobReaches(queued.jobId!, 'retry');
    } finally {
      await restore();
    }
    const { id, jobId } = queued;
    expect(await importRow(id)).toMatchObject({ status: 'processing', processed_rows: 10, created_count: 9, failed_count: 1 });
    expect(await usersLike('crash-')).toEqual({ users: 9, grants: 9 });
    expect(await errorRows(id)).toEqual([[10, 'must be an email']]);

    expect(await completed(id)).toMatchObject(RESUMABLE_DONE);
    expect(await usersLike('crash-')).toEqual({ users: 85, grants: 85 });
    expect(await errorRows(id)).toEqual(RESUMABLE_ERRORS);
    await jobReaches(jobId!, 'completed');
    expect(await jobsOf(id)).toEqual([expect.objectContaining({ id: jobId, state: 'completed', retry_count: 1 })]);
  });

  it('fails an import whose job fails every attempt, with the reason in its errors', async () => {
    const jobs = await startQueue(settingsOf(10, 1));
    const restore = await refuseUser('doomed-15@example.com');
    try {
      const { id, jobId } = await queueImport(jobs, resumableRows('doomed'));
      const ended = await failed(id);
      expect(ended).toMatchObject({ processed_rows: 10, created_count: 9, failed_count: 1 });
      expect(ended.finished_at).toBeTruthy();
      expect(await errorRows(id)).toEqual([
        [0, expect.stringMatching(/^the import could not be processed after 2 attempts \(last error: .+\)$/)],
        [10, 'must be an email'],
      ]);
      // The reason names the kind of error only, never the database's message.
      expect((await errorRows(id))[0][1]).not.toContain('disk on fire');
      expect(await usersLike('doomed-')).toEqual({ users: 9, grants: 9 });
      await jobReaches(jobId!, 'failed');
      expect(await jobsOf(id)).toEqual([expect.objectContaining({ state: 'failed', retry_count: 1 })]);
    } finally {
      await restore();
    }
  });

  it('lets two attempts of the same import race, committing each batch once', async () => {
    const jobs = await startQueue(settingsOf(10), { work: false });
    const { id } = await queueImport(undefined, resumableRows('twice'));
    const handler = handlerOf(jobs, settingsOf(10));
    // Neither throws: the one that finds a batch committed by the other ends quietly.
    await Promise.all([handler(fakeJob(id)), handler(fakeJob(id))]);

    expect(await importRow(id)).toMatchObject(RESUMABLE_DONE);
    expect(await usersLike('twice-')).toEqual({ users: 85, grants: 85 });
    expect(await errorRows(id)).toEqual(RESUMABLE_ERRORS);
    const [{ completions }] = await sql(
      `select count(*)::int as completions from domain_events where type = 'import.completed' and payload ->> 'id' = ?`,
      [String(id)],
    );
    expect(completions).toBe(1);
    // Neither paused nor failed: the one that did not complete the import found it moved on, or done.
    expect(endings(id)).toContain('completed');
    expect(endings(id).every((end) => end === 'completed')).toBe(true);
    expect(await jobsOf(id)).toEqual([]);
  });

  it('lets two processes share the queued imports, each completed exactly once', async () => {
    const a = await startQueue(settingsOf(7), { name: 'a' });
    await startQueue(settingsOf(7), { name: 'b' });
    const ids: number[] = [];
    for (let index = 0; index < 6; index += 1) {
      const rows = Array.from({ length: 40 }, (_, row) =>
        row % 8 === 7 ? `bad-${index}-${row},X,Y` : `race-${index}-${row}@example.com,Race,${row}`,
      );
      ids.push((await queueImport(a, rows)).id);
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
    for (const id of ids) {
      // One attempt of one process did the whole import, with one job.
      expect(endings(id)).toEqual(['completed']);
      expect(movedOn(id)).toBe(0);
      const [job, ...others] = await jobsOf(id);
      expect(others).toEqual([]);
      await jobReaches(job.id, 'completed');
    }
    const [{ completions }] = await sql(
      `select count(*)::int as completions from domain_events
        where type = 'import.completed' and (payload ->> 'id')::int = any(?::int[])`,
      [`{${ids.join(',')}}`],
    );
    expect(completions).toBe(6);
  });

  it('keeps the row numbers of a file with malformed lines across a restart', async () => {
    const first = await startQueue(settingsOf(4), { work: false });
    const { id } = await queueImport(undefined, [
      'mal-1@example.com,Mal,One',
      'mal-2@example.com,Bad "Quote",Two',
      Buffer.from('mal-3@example.com,Zo\xe9,Three', 'latin1'),
      'mal-4@example.com,"Two\nLines",Four',
      'mal-5@example.com,Mal,Five,extra',
      'mal-6@example.com,Mal,Six',
      'mal-4@example.com,Mal,Again',
    ]);
    await handlerOf(first, settingsOf(4))(fakeJob(id, { stopping: true }));
    expect(await importRow(id)).toMatchObject({ status: 'processing', total_rows: 7, processed_rows: 4, created_count: 2 });
    await stopQueue(first);

    await startQueue(settingsOf(4));
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
    const jobs = await startQueue(settingsOf(10));
    const { id } = await queueImport(jobs, [
      'open-1@example.com,Open,One',
      'open-2@example.com,"Never closed,Two',
      'open-3@example.com,Open,Three',
    ]);
    expect(await completed(id)).toMatchObject({ total_rows: 2, processed_rows: 2, created_count: 1, failed_count: 1 });
    expect(await errorRows(id)).toEqual([[2, 'has a quote that is never closed, so the rest of the file is part of this row']]);
    expect(await usersLike('open-')).toEqual({ users: 1, grants: 1 });
  });

  it('fails an import whose file is missing or whose header is wrong, saying why', async () => {
    const jobs = await startQueue(settingsOf(10));
    const missing = await queueImport(jobs, [], { store: false });
    const wrongHeader = await queueImport(jobs, ['head-1@example.com,Head,One'], { header: 'mail,first,last' });
    const quotedHeader = await queueImport(jobs, ['head-2@example.com,Head,Two'], { header: 'email,first"name,last_name' });

    expect(await failed(missing.id)).toMatchObject({ processed_rows: 0, created_count: 0 });
    expect((await importRow(missing.id)).finished_at).toBeTruthy();
    expect(await errorRows(missing.id)).toEqual([[0, 'the import file is missing from the storage']]);

    expect(await failed(wrongHeader.id)).toMatchObject({ processed_rows: 0, created_count: 0 });
    expect(await errorRows(wrongHeader.id)).toEqual([[0, expect.stringMatching(/^the first row must be the header /)]]);
    expect(await failed(quotedHeader.id)).toMatchObject({ processed_rows: 0, created_count: 0 });
    expect(await errorRows(quotedHeader.id)).toEqual([[0, 'the header has a quote inside an unquoted field']]);
    expect(await usersLike('head-')).toEqual({ users: 0, grants: 0 });
    // A file that cannot be imported is an answer, not an error: the jobs are not retried.
    for (const { jobId } of [missing, wrongHeader, quotedHeader]) await jobReaches(jobId!, 'completed');
  });

  it('stops an idle queue at once', async () => {
    const jobs = await startQueue(settingsOf(10));
    // Let its worker poll once, so that it waits between polls.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await stopQueue(jobs);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('stops mid-import after the batch in flight, leaving the rest to a continuation job', async () => {
    const rows = Array.from({ length: 1_000 }, (_, row) => `stop-${row + 1}@example.com,Stop,${row + 1}`);
    const jobs = await startQueue(settingsOf(10));
    const { id, jobId } = await queueImport(jobs, rows);
    await until(async () => (await importRow(id)).processed_rows >= 20, 'two batches');
    const started = Date.now();
    await stopQueue(jobs);
    expect(Date.now() - started).toBeLessThan(5_000);

    const stopped = await importRow(id);
    expect(stopped).toMatchObject({ status: 'processing', total_rows: 1_000, failed_count: 0, finished_at: null });
    expect(stopped.processed_rows % 10).toBe(0);
    expect(stopped.processed_rows).toBeLessThan(1_000);
    expect(stopped.created_count).toBe(stopped.processed_rows);
    expect(await usersLike('stop-')).toEqual({ users: stopped.processed_rows, grants: stopped.processed_rows });
    // The stopped attempt ended well: its job completed, and a new job carries the rest of the import.
    expect(await jobsOf(id)).toEqual([
      expect.objectContaining({ id: jobId, state: 'completed' }),
      expect.objectContaining({ state: 'created', retry_count: 0 }),
    ]);
    expect(endings(id)).toEqual(['paused']);

    await startQueue(settingsOf(250));
    expect(await completed(id)).toMatchObject({ processed_rows: 1_000, created_count: 1_000, failed_count: 0 });
    expect(await usersLike('stop-')).toEqual({ users: 1_000, grants: 1_000 });
    expect(await errorRows(id)).toEqual([]);
  });
});
