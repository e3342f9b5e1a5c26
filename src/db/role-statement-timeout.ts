import { Client } from 'pg';

/**
 * DB_STATEMENT_TIMEOUT_MS behind a pooler in transaction mode. The start-up message cannot carry
 * `statement_timeout` there (PgBouncer refuses start-up parameters it does not know), and a `SET`
 * would stay on a server connection that other clients get next while this client's next
 * transaction runs on another. So, over the direct connection, the setting becomes the default of
 * the gateway's role in its database: every server connection the pooler opens afterwards starts
 * with it, whichever client it serves. 0 resets it to the server's own, as a direct connection
 * that sends no start-up parameter has it.
 */
export async function setRoleStatementTimeout(
  directUrl: string,
  statementTimeoutMs: number,
  connectTimeoutMs: number,
): Promise<void> {
  const client = new Client({ connectionString: directUrl, connectionTimeoutMillis: connectTimeoutMs });
  await client.connect();
  try {
    const [{ database }] = (await client.query<{ database: string }>('select current_database() as database')).rows;
    const setting =
      statementTimeoutMs > 0 ? `set statement_timeout = ${Math.trunc(statementTimeoutMs)}` : 'reset statement_timeout';
    await client.query(`alter role current_user in database ${client.escapeIdentifier(database)} ${setting}`);
  } finally {
    await client.end();
  }
}
