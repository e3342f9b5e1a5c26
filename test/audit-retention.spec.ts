import pg from 'pg';
import { AUDIT_PRUNER_SQL_TAG, AuditPruner } from '../src/modules/audit/audit-pruner';
import { createLogger } from '../src/shared/logger';
import { useTestApp } from './helpers/setup';
import type { TestApp } from './helpers/test-app';
import { pollUntil } from './helpers/wait';

const DAY_MS = 86_400_000;

/** Inserts `count` events of `targetType`, `ageMs` old (each a millisecond apart), with one statement. */
async function insertAged(app: TestApp, targetType: string, count: number, ageMs: number): Promise<void> {
  await app.orm.em
    .getConnection()
    .getKnex()
    .raw(
      `insert into audit_events (occurred_at, action, target_type, target_id)
       select now() - (? * interval '1 millisecond') - g * interval '1 millisecond', 'user.update', ?, g::text
         from generate_series(1, ?::int) g`,
      [ageMs, targetType, count],
    );
}

async function countOf(app: TestApp, targetType: string): Promise<number> {
  const [{ count }] = await app.orm.em
    .getConnection()
    .execute('select count(*)::int as count from audit_events where target_type = ?', [targetType]);
  return count;
}

const knexOf = (app: TestApp) => app.orm.em.getConnection().getKnex();

/** The text of every statement sent to PostgreSQL while `work` runs, whoever sends it. */
async function everyStatement<T>(work: () => Promise<T>): Promise<{ result: T; texts: string[] }> {
  const texts: string[] = [];
  const { query } = pg.Client.prototype;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [config] = args;
    texts.push(typeof config === 'string' ? config : ((config as { text?: string }).text ?? ''));
    return (query as (...params: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    return { result: await work(), texts };
  } finally {
    pg.Client.prototype.query = query;
  }
}

async function olderThan(app: TestApp, days: number): Promise<number> {
  const [{ count }] = await app.orm.em
    .getConnection()
    .execute(`select count(*)::int as count from audit_events where occurred_at < now() - ? * interval '1 day'`, [days]);
  return count;
}
const silent = createLogger('silent');

describe('with AUDIT_RETENTION_DAYS=1, the app prunes in the background', () => {
  const app = useTestApp({ AUDIT_RETENTION_DAYS: '1', AUDIT_PRUNE_INTERVAL_SECONDS: '1' });

  it('deletes the events older than a day and keeps the recent ones', async () => {
    await insertAged(app, 'old', 25, 2 * DAY_MS);
    await insertAged(app, 'ancient', 5, 400 * DAY_MS);
    await insertAged(app, 'recent', 10, 60 * 60_000);
    await pollUntil(async () => (await countOf(app, 'old')) + (await countOf(app, 'ancient')) === 0, 'the pruning', {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    expect(await countOf(app, 'recent')).toBe(10);
  });

  it('still refuses a plain delete or update, of old events too', async () => {
    await insertAged(app, 'kept', 3, 5 * 60_000);
    await expect(knexOf(app).raw('delete from audit_events')).rejects.toThrow(/append-only/);
    await expect(knexOf(app).raw(`delete from audit_events where target_type = 'kept'`)).rejects.toThrow(/append-only/);
    await expect(knexOf(app).raw(`update audit_events set action = 'forged'`)).rejects.toThrow(/append-only/);
    // Even the pruner's own setting only lets go of what is older than the instant it names.
    await expect(
      knexOf(app).transaction(async (tx) => {
        await tx.raw(`select set_config('leadsy.audit_prune_before', '2000-01-01T00:00:00Z', true)`);
        await tx.raw(`delete from audit_events where target_type = 'kept'`);
      }),
    ).rejects.toThrow(/append-only/);
    expect(await countOf(app, 'kept')).toBe(3);
  });
});

describe('the audit pruner', () => {
  const app = useTestApp({ AUDIT_RETENTION_DAYS: '0' });
  const pruner = (options: Partial<ConstructorParameters<typeof AuditPruner>[1]> = {}) =>
    new AuditPruner({ orm: app.orm, logger: silent }, { retentionDays: 30, intervalMs: 3_600_000, ...options });

  it('is off with AUDIT_RETENTION_DAYS=0, and the app then keeps every event', async () => {
    await insertAged(app, 'forever', 4, 10 * 365 * DAY_MS);
    const off = pruner({ retentionDays: 0, firstRunDelayMs: 0 });
    expect(await off.pruneOnce()).toBe(0);
    off.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await off.stop();
    expect(await countOf(app, 'forever')).toBe(4);
  });

  it('deletes a large backlog in batches, one transaction each, and only what is past the retention', async () => {
    await insertAged(app, 'backlog', 1_050, 31 * DAY_MS);
    await insertAged(app, 'young', 20, 29 * DAY_MS);
    const due = await olderThan(app, 30);
    expect(due).toBeGreaterThanOrEqual(1_050);
    const { result: deleted, texts } = await everyStatement(() => pruner({ batchSize: 100 }).pruneOnce());
    expect(deleted).toBe(due);
    expect(await olderThan(app, 30)).toBe(0);
    expect(await countOf(app, 'young')).toBe(20);
    // Full batches and one last partial one, each its own transaction that names the instant before deleting.
    const batches = Math.floor(due / 100) + 1;
    expect(texts.filter((text) => /^begin/i.test(text.trim()))).toHaveLength(batches);
    expect(texts.filter((text) => text.includes('set_config'))).toHaveLength(batches);
    expect(texts.filter((text) => /^commit/i.test(text.trim()))).toHaveLength(batches);
  });

  it('sends a single statement and opens no transaction when nothing is old enough', async () => {
    await insertAged(app, 'fresh', 3, DAY_MS);
    const { result: deleted, texts } = await everyStatement(() => pruner().pruneOnce());
    expect(deleted).toBe(0);
    expect(texts).toHaveLength(1);
    expect(texts[0].startsWith(`${AUDIT_PRUNER_SQL_TAG} select exists`)).toBe(true);
    // Tagged, so that the statement counts of requests leave it out.
    expect(await app.countStatements(() => pruner().pruneOnce())).toBe(0);
    expect(await countOf(app, 'fresh')).toBe(3);
  });

  it('prunes each event once with two pruners at work together (two gateway processes)', async () => {
    await insertAged(app, 'contended', 2_000, 40 * DAY_MS);
    const [first, second] = await Promise.all([pruner({ batchSize: 50 }).pruneOnce(), pruner({ batchSize: 50 }).pruneOnce()]);
    expect(first + second).toBe(2_000);
    expect(await countOf(app, 'contended')).toBe(0);
  });

  it('stops between batches on stop(): the batch in flight commits whole, no other starts', async () => {
    await insertAged(app, 'interrupted', 5_000, 60 * DAY_MS);
    const stoppable = pruner({ batchSize: 100, firstRunDelayMs: 0 });
    stoppable.start();
    await pollUntil(async () => (await countOf(app, 'interrupted')) < 5_000, 'a first batch', { intervalMs: 5 });
    await stoppable.stop();
    const left = await countOf(app, 'interrupted');
    expect(left % 100).toBe(0);
    // Nothing more goes once stopped.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await countOf(app, 'interrupted')).toBe(left);
  });
});
