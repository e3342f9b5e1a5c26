import { createHash } from 'node:crypto';
import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import { performanceTrickOn } from '../config';
import { withPooledConnection } from '../shared/pooled-connection';
import { replicaReading } from './read-replicas';

interface QueryConfig {
  name: string;
  text: string;
  values: unknown[];
  rowMode?: 'array';
}

interface DriverConnection {
  query(config: QueryConfig): Promise<{ rows: unknown[] }>;
}

interface Prepared {
  name: string;
  text: string;
}

/** Per statement text: its name and its text with `$n` placeholders. A fixed set: see below. */
const preparedByText = new Map<string, Prepared>();

function prepared(sql: string): Prepared {
  let statement = preparedByText.get(sql);
  if (!statement) {
    let index = 0;
    const text = sql.replace(/\?/g, () => `$${(index += 1)}`);
    statement = { name: `leadsy_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`, text };
    preparedByText.set(sql, statement);
  }
  return statement;
}

/**
 * Runs one statement of the request path (the viewer, the loaders, a rename) as a named prepared
 * statement, on a connection of MikroORM's own pool, straight through the driver. Measured per
 * statement: MikroORM and knex add 0.17 ms of CPU to the driver's 0.12 ms, and PostgreSQL plans an
 * unnamed statement each time. Errors come back as they do from MikroORM.
 *
 * `sql` uses `?` placeholders, and its text must not depend on the request (values go in the
 * parameters, lists as one array): every connection keeps each distinct text prepared.
 */
export async function queryPrepared<T = Record<string, unknown>>(
  em: EntityManager,
  sql: string,
  values: unknown[],
): Promise<T[]> {
  return (await execute(em, sql, { ...prepared(sql), values })) as T[];
}

/** Like `queryPrepared`, each row as an array of its values in select order: what read models take. */
export async function queryPreparedArrays(em: EntityManager, sql: string, values: unknown[]): Promise<unknown[][]> {
  return (await execute(em, sql, { ...prepared(sql), values, rowMode: 'array' })) as unknown[][];
}

async function execute(em: EntityManager, sql: string, config: QueryConfig): Promise<unknown[]> {
  // Inside a transaction, knex's transaction client hands out the transaction's own connection, so
  // the statement sees (and is part of) what the transaction wrote, never a second connection.
  const transaction = em.getTransactionContext<Knex.Transaction>();
  try {
    // A query operation's reads go to its replica (read-replicas.ts); one the replica fails to
    // answer runs again on the primary, so no request fails because of a replica.
    const replica = transaction ? undefined : replicaReading(em);
    if (replica) {
      try {
        return await send(replica.knex, sql, config);
      } catch (error) {
        if (!replica.fallBack(error)) throw error;
      }
    }
    return await send(transaction ?? em.getConnection().getKnex(), sql, config);
  } catch (error) {
    // The server's errors (they carry a severity) become MikroORM's exceptions, as on its own path;
    // a connection that cannot be had keeps the network's error, which is what MikroORM passes on.
    throw error instanceof Error && 'severity' in error ? em.getDriver().convertException(error) : error;
  }
}

async function send(knex: Knex, sql: string, config: QueryConfig): Promise<unknown[]> {
  if (!performanceTrickOn('prepared-statements')) return unnamed(knex, sql, config);
  return withPooledConnection(knex, async (connection: DriverConnection) => (await connection.query(config)).rows);
}

/**
 * `PERFORMANCE_TRICKS_OFF=prepared-statements`: the statement as MikroORM's own raw queries run,
 * through knex on the same pool (or the transaction), unnamed, with bound values (MikroORM's
 * `execute` would inline them, expanding an array value into a list) and the same row mode.
 */
async function unnamed(knex: Knex, sql: string, { values, rowMode }: QueryConfig): Promise<unknown[]> {
  // The driver sends an undefined value as null; knex refuses it.
  const query = knex.raw(sql, values.map((value) => (value === undefined ? null : value)) as Knex.RawBinding[]);
  return ((await (rowMode ? query.options({ rowMode }) : query)) as { rows: unknown[] }).rows;
}
