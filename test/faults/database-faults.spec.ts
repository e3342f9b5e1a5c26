import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JOBS_SCHEMA } from '../../src/db/job-queue';
import { GatewayProcess } from './gateway-process';
import { type Acknowledged, count, type LoadReport, type LoadTarget, runLoad, sleep } from './load';
import { postgresBinDir, PrivatePostgres } from './private-postgres';

/**
 * The gateway in its own process on a PostgreSQL server of the suite's own, under bounded load on
 * loopback: the server is stopped mid-load and started again (scenario A), and the gateway gets
 * SIGTERM during writes (scenario B). Afterwards every acknowledged write must be in the database.
 */

const bin = postgresBinDir();
const ADMIN = { email: 'faults@example.com', password: 'fault-suite-admin-password-1' };
const CLIENTS = 8;
const ACQUIRE_TIMEOUT_MS = 3_000;
const GRACE_MS = 10_000;
const IMPORT_BATCH = 100;
const RECOVERY_LIMIT_MS = 5_000;

(bin ? describe : describe.skip)('database faults and shutdown (private PostgreSQL, gateway as a child process)', () => {
  let postgres: PrivatePostgres;
  let dataDir: string;
  const gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    postgres = await PrivatePostgres.create(bin!);
    dataDir = mkdtempSync(join(tmpdir(), 'faults-gateway-'));
  }, 60_000);

  // A failed scenario must not leave its gateway running into the next one (its worker would take imports).
  afterEach(async () => {
    for (const gateway of gateways) gateway.kill();
    await Promise.all(gateways.map((gateway) => gateway.exited));
    if (!postgres.isRunning) await postgres.start();
  });

  afterAll(async () => {
    for (const gateway of gateways) gateway.kill();
    await postgres?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  /** A gateway on the private server, logged in as its super admin, writing into a company without a user cap. */
  async function startLoadTarget(): Promise<{ gateway: GatewayProcess; target: LoadTarget }> {
    const gateway = await GatewayProcess.start({
      NODE_ENV: 'production',
      JWT_SECRET: randomBytes(48).toString('base64url'),
      DATABASE_URL: postgres.url,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      DB_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS),
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
      IMPORT_BATCH_SIZE: String(IMPORT_BATCH),
    });
    gateways.push(gateway);
    const login = await fetch(`${gateway.url}/api/v1/users/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const companyId = await createCompany();
    const [access] = await postgres.query<{ id: number }>(`select id from accesses where key = 'member'`);
    const tag = `f${randomBytes(5).toString('hex')}`;
    return { gateway, target: { url: gateway.url, token, companyId, accessId: access.id, tag } };
  }

  /** Runs a scenario on a new gateway; a failure carries the end of the gateway's log. */
  async function onGateway(scenario: (gateway: GatewayProcess, target: LoadTarget) => Promise<void>): Promise<void> {
    const { gateway, target } = await startLoadTarget();
    try {
      await scenario(gateway, target);
    } catch (error) {
      if (error instanceof Error) error.message += `\n--- gateway log (end) ---\n${gateway.output().slice(-4_000)}`;
      throw error;
    }
  }

  /** A company without a membership plan, so without a cap on its users. */
  async function createCompany(): Promise<number> {
    const [company] = await postgres.query<{ id: number }>(`insert into companies (name) values ($1) returning id`, [
      `Fault suite ${randomBytes(4).toString('hex')}`,
    ]);
    return company.id;
  }

  /** Acknowledged writes missing from the database (or present with another email). */
  async function lostWrites(acknowledged: Acknowledged[]): Promise<Acknowledged[]> {
    const rows = await postgres.query<{ id: number; email: string }>('select id, email from users where id = any($1::int[])', [
      acknowledged.map((ack) => ack.id),
    ]);
    const stored = new Map(rows.map((row) => [row.id, row.email]));
    return acknowledged.filter((ack) => stored.get(ack.id) !== ack.email);
  }

  /** Users of the run that do not hold exactly one primary access: a half-written creation. */
  async function halfWrittenUsers(tag: string): Promise<number> {
    const [{ broken }] = await postgres.query<{ broken: number }>(
      `select count(*)::int as broken from users u
       where u.email like $1
         and (select count(*) from user_accesses ua where ua.user_id = u.id and ua.primary) <> 1`,
      [`${tag}.%`],
    );
    return broken;
  }

  function figures<Extra extends Record<string, number>>(report: LoadReport, lost: number, extra: Extra) {
    const { outcomes } = report;
    return {
      sent: outcomes.length,
      writes: outcomes.filter((outcome) => outcome.write).length,
      acknowledged: report.acknowledged.length,
      unavailable503: count(outcomes, 'unavailable'),
      refused: count(outcomes, 'refused'),
      reset: count(outcomes, 'reset'),
      unexpected: count(outcomes, 'unexpected'),
      lost,
      maxLatencyMs: Math.max(...outcomes.map((outcome) => outcome.doneAt - outcome.sentAt)),
      ...extra,
    };
  }

  it(
    'A: answers 503 with Retry-After while PostgreSQL is down, recovers within 5 s, loses no acknowledged write',
    () =>
      onGateway(async (gateway, target) => {
        let stopLoad = false;
        const load = runLoad(target, { clients: CLIENTS, stop: () => stopLoad });

        await sleep(3_000);
        const downAt = Date.now();
        await postgres.stop('immediate');
        await sleep(1_000);
        const probeStart = Date.now();
        const readiness = await fetch(`${gateway.url}/readyz`);
        const readinessLatency = Date.now() - probeStart;
        expect(readiness.status).toBe(503);
        expect(Number(readiness.headers.get('retry-after'))).toBeGreaterThan(0);
        await sleep(2_000);

        await postgres.start();
        const upAt = Date.now();
        const recoveredAt = await firstServedRequest(target, upAt + RECOVERY_LIMIT_MS + 5_000);
        await sleep(3_000);
        stopLoad = true;
        const report = await load;

        const lost = await lostWrites(report.acknowledged);
        const result = figures(report, lost.length, {
          outageMs: upAt - downAt,
          recoveryMs: recoveredAt - upAt,
          readinessProbeMs: readinessLatency,
          acknowledgedAfterRecovery: report.acknowledged.filter((ack) => ack.at > upAt).length,
        });
        console.log(`fault suite A (database outage under load, ${CLIENTS} clients): ${JSON.stringify(result)}`);
        const unexpected = report.outcomes.filter((outcome) => outcome.kind === 'unexpected').map((outcome) => outcome.detail);
        expect(unexpected).toEqual([]);
        expect(gateway.running).toBe(true);
        expect(result.refused + result.reset).toBe(0);
        expect(result.unavailable503).toBeGreaterThan(0);
        expect(result.maxLatencyMs).toBeLessThan(ACQUIRE_TIMEOUT_MS + 2_000);
        expect(result.readinessProbeMs).toBeLessThan(ACQUIRE_TIMEOUT_MS);
        expect(result.recoveryMs).toBeLessThanOrEqual(RECOVERY_LIMIT_MS);
        expect(result.acknowledgedAfterRecovery).toBeGreaterThan(0);
        expect(lost).toEqual([]);
        expect(await halfWrittenUsers(target.tag)).toBe(0);
        expect(gateway.output()).not.toMatch(/unhandled promise rejection/);

        const ready = await fetch(`${gateway.url}/readyz`);
        expect(ready.status).toBe(200);
        gateway.signal('SIGTERM');
        expect((await gateway.exited).code).toBe(0);
      }),
    60_000,
  );

  it(
    'B: on SIGTERM during writes finishes the requests in flight and the import batch, then exits 0',
    () =>
      onGateway(async (gateway, target) => {
        const importId = await queueImport(target, 20_000);
        let sigtermAt = Number.POSITIVE_INFINITY;
        const load = runLoad(target, { clients: CLIENTS, endOnRefused: true, stop: () => Date.now() > sigtermAt + 20_000 });

        await sleep(3_000);
        sigtermAt = Date.now();
        gateway.signal('SIGTERM');
        const exit = await gateway.exited;
        const report = await load;

        const lost = await lostWrites(report.acknowledged);
        const completedAfterSigterm = report.outcomes.filter(
          (outcome) => outcome.kind === 'ok' && outcome.sentAt < sigtermAt && outcome.doneAt >= sigtermAt,
        ).length;
        const [imported] = await postgres.query(
          `select status, processed_rows, created_count, failed_count,
              (select count(*)::int from users where email like $2) as users,
              (select coalesce(array_agg(j.state::text order by j.created_on), '{}') from ${JOBS_SCHEMA}.job j
                where j.name = 'import' and (j.data ->> 'importId')::int = i.id
                  and j.state in ('created', 'retry', 'active')) as pending_jobs
       from import_files i where id = $1`,
          [importId, `${target.tag}.import%`],
        );
        const result = figures(report, lost.length, {
          exitCode: exit.code ?? -1,
          exitMs: exit.at - sigtermAt,
          completedAfterSigterm,
          unknownOutcome: report.unknownEmails.length,
          importRowsCommitted: imported.processed_rows,
        });
        console.log(`fault suite B, the import at exit: ${JSON.stringify(imported)}`);
        console.log(`fault suite B (SIGTERM during writes, ${CLIENTS} clients): ${JSON.stringify(result)}`);

        expect(exit).toMatchObject({ code: 0, signal: null });
        expect(result.exitMs).toBeLessThan(GRACE_MS);
        const unexpected = report.outcomes.filter((outcome) => outcome.kind === 'unexpected').map((outcome) => outcome.detail);
        expect(unexpected).toEqual([]);
        expect(result.unavailable503).toBe(0);
        expect(completedAfterSigterm).toBeGreaterThan(0);
        expect(lost).toEqual([]);
        expect(await halfWrittenUsers(target.tag)).toBe(0);
        // The import stopped on a batch boundary with its counters matching its rows, and its attempt
        // ended cleanly: one continuation job (not a retry of a failed attempt) carries the rest.
        expect(imported.users).toBe(imported.created_count);
        expect(imported.processed_rows).toBe(imported.created_count + imported.failed_count);
        if (imported.status !== 'completed') {
          expect(imported.status).toBe('processing');
          expect(imported.processed_rows % IMPORT_BATCH).toBe(0);
          expect(imported.pending_jobs).toEqual(['created']);
        } else {
          expect(imported.pending_jobs).toEqual([]);
        }
        expect(gateway.output()).not.toMatch(/unhandled promise rejection|shutdown failed|did not finish in time/);
      }),
    60_000,
  );

  /** Polls a read until it succeeds; returns when it did. */
  async function firstServedRequest(target: LoadTarget, deadline: number): Promise<number> {
    while (Date.now() < deadline) {
      const response = await fetch(`${target.url}/api/v1/users?per_page=1`, {
        headers: { authorization: `Bearer ${target.token}` },
      }).catch(() => undefined);
      if (response?.status === 200) return Date.now();
      await sleep(100);
    }
    throw new Error('the gateway did not serve again');
  }

  async function queueImport(target: LoadTarget, rows: number): Promise<number> {
    const lines = ['email,first_name,last_name,access'];
    for (let row = 0; row < rows; row += 1) lines.push(`${target.tag}.import${row}@example.com,Imported,Row${row},member`);
    const response = await fetch(`${target.url}/api/v1/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        // Its own company: the import's batches and the load's creations would queue on one company lock.
        company_id: await createCompany(),
        name: 'load.csv',
        file_base64: Buffer.from(lines.join('\n')).toString('base64'),
      }),
    });
    const body = (await response.json()) as { import_file: { id: number } };
    expect(response.status).toBe(202);
    return Number(body.import_file.id);
  }
});
