// Job latency of the two PostgreSQL job queues the gateway could run its background work on
// (pg-boss and graphile-worker), on a PostgreSQL server and on the embedded database (PGlite served
// over a socket, as src/db/embedded-postgres.ts serves it). Latency: from the moment a job is
// enqueued to the moment its handler starts, for jobs sent at a steady rate.
//
//   npm run bench:queue -- <server|embedded> <pg-boss|pg-boss-polling|graphile-worker> [jobs] [jobs/s]
//
// pg-boss polls (at most every 0.5 s); `pg-boss` also wakes its worker when it enqueues
// (`notifyWorker`), as a process does for its own jobs; `pg-boss-polling` only polls.
// The server's database is BENCH_DATABASE_URL's server (default postgresql://postgres@127.0.0.1:5432/postgres).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { Logger, makeWorkerUtils, run as runGraphileWorker } from 'graphile-worker';
import pg from 'pg';
import PgBoss from 'pg-boss';

const [target = 'server', queue = 'pg-boss', jobsArg = '1000', rateArg = '200'] = process.argv.slice(2);
const JOBS = Number(jobsArg);
const RATE = Number(rateArg);
const GIVE_UP_MS = 60_000;
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** A fresh database: one of its own on the server, or a new embedded one. */
async function openDatabase() {
  if (target === 'server') {
    const name = `leadsy_bench_queue_${queue.replaceAll('-', '_')}`;
    const admin = new pg.Client({ connectionString: SERVER });
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
    const url = new URL(SERVER);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      close: async () => {
        await admin.query(`drop database if exists ${name} with (force)`);
        await admin.end();
      },
    };
  }
  const directory = mkdtempSync(join(tmpdir(), 'bench-queue-'));
  const db = await PGlite.create(directory);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
  await server.start();
  return {
    url: `postgresql://postgres:postgres@${server.getServerConn()}/postgres`,
    close: async () => {
      await server.stop();
      await db.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

const percentile = (values, share) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(share * values.length))];

/** Enqueues JOBS jobs at RATE a second and resolves with the latency of each once every handler started. */
async function measure(enqueue, onStarted) {
  const sentAt = new Map();
  const latencies = [];
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${latencies.length} of ${JOBS} jobs started within ${GIVE_UP_MS / 1000} s`)),
      GIVE_UP_MS,
    );
    onStarted((id) => {
      latencies.push(performance.now() - sentAt.get(id));
      if (latencies.length === JOBS) {
        clearTimeout(timer);
        resolve(latencies);
      }
    });
  });
  const start = performance.now();
  for (let index = 0; index < JOBS; index += 1) {
    const wait = start + (index * 1000) / RATE - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    sentAt.set(String(index), performance.now());
    await enqueue(String(index));
  }
  return done;
}

async function withPgBoss(url, wakes) {
  const boss = new PgBoss({ connectionString: url, max: target === 'embedded' ? 1 : 4 });
  boss.on('error', (error) => process.stderr.write(`pg-boss: ${error.message}\n`));
  await boss.start();
  await boss.createQueue('bench');
  let started = () => undefined;
  const workerId = await boss.work('bench', { pollingIntervalSeconds: 0.5, batchSize: 20 }, async (jobs) => {
    for (const job of jobs) started(job.data.id);
  });
  try {
    return await measure(
      async (id) => {
        await boss.send('bench', { id });
        if (wakes) boss.notifyWorker(workerId);
      },
      (listener) => (started = listener),
    );
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}

async function withGraphileWorker(url) {
  let started = () => undefined;
  const runner = await runGraphileWorker({
    connectionString: url,
    concurrency: 1,
    pollInterval: 500,
    noHandleSignals: true,
    maxPoolSize: target === 'embedded' ? 1 : 4,
    logger: new Logger(() => () => undefined),
    taskList: { bench: async (payload) => started(payload.id) },
  });
  const utils = await makeWorkerUtils({ connectionString: url });
  try {
    return await measure(
      (id) => utils.addJob('bench', { id }),
      (listener) => (started = listener),
    );
  } finally {
    await utils.release();
    await runner.stop();
  }
}

const database = await openDatabase();
let line;
try {
  const latencies =
    queue === 'graphile-worker' ? await withGraphileWorker(database.url) : await withPgBoss(database.url, queue === 'pg-boss');
  const ms = (share) => percentile(latencies, share).toFixed(1);
  line = `| ${queue} | ${target} | ${JOBS} | ${RATE} | ${ms(0.5)} | ${ms(0.99)} | ${Math.max(...latencies).toFixed(1)} |`;
} catch (error) {
  line = `| ${queue} | ${target} | ${JOBS} | ${RATE} | — | — | ${error.message} |`;
} finally {
  await database.close();
}
process.stdout.write(
  '| queue | database | jobs | jobs/s | p50 ms | p99 ms | max ms |\n| --- | --- | ---: | ---: | ---: | ---: | ---: |\n',
);
process.stdout.write(`${line}\n`);
process.exit(0);
