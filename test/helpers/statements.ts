import pg from 'pg';
import { SESSION_RESET_SQL } from '../../src/db/orm-options';
import { AUDIT_PRUNER_SQL_TAG } from '../../src/modules/audit/audit-pruner';
import { JOBS_APPLICATION_NAME } from '../../src/db/job-queue';

/** One statement as it reached the driver: its query config (or text) and the client that sent it. */
export interface SentStatement {
  config: unknown;
  client: pg.Client;
}

/**
 * The statements the app sends while `work` runs. Every statement reaches the server through the
 * driver's Client#query, whether MikroORM, knex or a prepared statement sends it. The job queue's
 * workers poll on their own connections, the audit pruner looks for old events on its own, and a
 * new pooled connection resets its session: none of these belongs to a request.
 */
export async function recordStatements(work: () => Promise<unknown>): Promise<SentStatement[]> {
  const sent: SentStatement[] = [];
  const { query } = pg.Client.prototype;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [config] = args;
    const text = typeof config === 'string' ? config : ((config as { text?: string } | undefined)?.text ?? '');
    const background = isJobQueueClient(this) || text.startsWith(AUDIT_PRUNER_SQL_TAG);
    if (!background && text !== SESSION_RESET_SQL) sent.push({ config, client: this });
    return (query as (...params: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    await work();
  } finally {
    pg.Client.prototype.query = query;
  }
  return sent;
}

/** The job queue's workers connect under their own application name (src/db/job-queue.ts). */
function isJobQueueClient(client: pg.Client): boolean {
  return (
    (client as unknown as { connectionParameters?: { application_name?: string } }).connectionParameters?.application_name ===
    JOBS_APPLICATION_NAME
  );
}
