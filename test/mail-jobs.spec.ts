import { rmSync } from 'node:fs';
import { type Database, openDatabase } from '../src/db/database';
import { JobQueue, JOBS_SCHEMA, type QueueDefinition } from '../src/db/job-queue';
import { prepareDatabase } from '../src/db/prepare-database';
import { MAIL_QUEUE, MAIL_QUEUE_DEFINITION, MailQueue } from '../src/modules/mail/mail-queue';
import { createLogger } from '../src/shared/logger';
import { SmtpMailer } from '../src/shared/mail/smtp-mailer';
import { startSmtpSink } from './helpers/smtp-sink';
import { TEST_JWT_SECRET, testConfig } from './helpers/test-app';
import { preparedDataDir } from './helpers/prepared-database';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';
import { pollUntil } from './helpers/wait';
import { SET_UP_TIMEOUT_MS } from './helpers/setup';

/**
 * Mails on the job queue, against a real database and a real SMTP server that is down at first: the
 * mail is retried until the server is back, and the queue never holds it readable.
 */
describe('mail jobs', () => {
  const logger = createLogger('silent');
  let dataDir: string;
  let testDatabase: TestDatabase;
  let database: Database;
  let jobs: JobQueue;

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    dataDir = preparedDataDir('mail-jobs-test-', !testDatabase.url);
    const config = testConfig(dataDir, testDatabase.url);
    database = await openDatabase(config);
    await prepareDatabase(database.orm, config, () => undefined);
  }, SET_UP_TIMEOUT_MS);
  afterEach(() => jobs?.stop());
  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const startQueue = async (poolMax: number, pollIntervalSeconds: number, queue: QueueDefinition) => {
    jobs = new JobQueue({
      connectionUrl: database.connectionUrl,
      poolMax,
      pollIntervalSeconds,
      notifications: database.notifications,
      logger,
    });
    await jobs.start([queue]);
    return jobs;
  };

  it('retries a mail while the mail server is down, and delivers it once it is back', async () => {
    await startQueue(1, 0.5, { ...MAIL_QUEUE_DEFINITION, retryDelaySeconds: 1 });
    const reserved = await startSmtpSink();
    const port = Number(new URL(reserved.url).port);
    await reserved.close();
    const mails = new MailQueue(jobs, TEST_JWT_SECRET);
    await jobs.work(MAIL_QUEUE, mails.handler(new SmtpMailer(reserved.url, 'Leadsy <no-reply@localhost>', logger), logger));

    const link = 'http://localhost:4000/reset-password?token=a-one-time-secret';
    await mails.send(database.orm.em.fork(), { to: 'queued@example.com', subject: 'Queued', text: link }, 'test');

    const sql = (text: string) => database.orm.em.fork().getConnection().execute(text);
    await pollUntil(
      async () => (await sql(`select state from ${JOBS_SCHEMA}.job where name = '${MAIL_QUEUE}'`))[0]?.state === 'retry',
      'the first attempt to fail',
    );
    const [stored] = await sql(
      `select data::text as data, output::text as output from ${JOBS_SCHEMA}.job where name = '${MAIL_QUEUE}'`,
    );
    for (const secret of ['queued@example.com', 'a-one-time-secret']) {
      expect(stored.data).not.toContain(secret);
      expect(stored.output ?? '').not.toContain(secret);
    }

    const sink = await startSmtpSink({ port });
    try {
      await pollUntil(() => sink.received.length === 1, 'the mail after a retry', { timeoutMs: 20_000 });
      expect(sink.received[0].to).toEqual(['queued@example.com']);
      expect(sink.received[0].data).toContain('a-one-time-secret');
      await pollUntil(
        async () => (await sql(`select state from ${JOBS_SCHEMA}.job where name = '${MAIL_QUEUE}'`))[0]?.state === 'completed',
        'the job to complete',
      );
    } finally {
      await sink.close();
    }
  });

  it('runs a group’s jobs in order across batches: a later one waits behind an earlier one’s retry', async () => {
    const queue = { name: 'ordered', retryLimit: 2, retryDelaySeconds: 1, expireInSeconds: 30, concurrency: 1, batchSize: 1 };
    const ordered = await startQueue(1, 0.5, queue);
    const handled: number[] = [];
    let failuresLeft = 1;
    await ordered.workInBatches<{ group: number; position: number }>(
      'ordered',
      async (batch) =>
        batch.map(({ data }) => {
          handled.push(data.position);
          return data.position === 1 && failuresLeft-- > 0 ? new Error('the first attempt fails') : undefined;
        }),
      { inOrder: { per: 'group', by: 'position' } },
    );
    await ordered.enqueueMany(database.orm.em.fork(), 'ordered', [{ data: { group: 7, position: 1 } }]);
    await pollUntil(() => handled.length === 1, 'the first attempt');
    // Taken one at a time, while the first waits for its retry: the second of its group waits too, another group's does not.
    await ordered.enqueueMany(database.orm.em.fork(), 'ordered', [
      { data: { group: 7, position: 2 } },
      { data: { group: 8, position: 3 } },
    ]);
    await pollUntil(() => handled.length === 4, 'every job', { timeoutMs: 15_000 });
    expect(handled).toEqual([1, 3, 1, 2]);
  });

  it('stops while its workers wait for the one connection of its pool, and leaves no timer behind', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const crowded = await startQueue(1, 0.5, { ...MAIL_QUEUE_DEFINITION, name: 'crowded', concurrency: 8 });
    await crowded.work('crowded', async () => undefined);
    // Eight workers poll through one connection: the stop comes while fetches wait for it.
    await pollUntil(() => crowded.poolLoad()!.waiting > 0, 'fetches waiting for the connection', { intervalMs: 1 });

    const stopped = Date.now();
    await crowded.stop();
    expect(Date.now() - stopped).toBeLessThan(5_000);
    // pg-boss would check every second, forever, for a worker to end; other timers come and go.
    await pollUntil(() => timers() <= before, 'no timer of the stopped queue', { timeoutMs: 5_000 });
  });
});
