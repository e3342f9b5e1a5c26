import type { Knex } from '@mikro-orm/postgresql';

/**
 * Runs `work` on one driver connection of `knex` (the transaction's own when `knex` is a
 * transaction), handed back afterwards: for statements sent straight through the driver, with
 * options knex's own query path does not take (a statement name, an array row mode).
 * `C` is the part of pg's client the caller uses. `work` sends statements only, so its failure is
 * reported as knex reports a statement of its own that failed (`query-error`: the metrics count it).
 */
export async function withPooledConnection<C, T>(knex: Knex, work: (connection: C) => Promise<T>): Promise<T> {
  const connection = (await knex.client.acquireConnection()) as C;
  try {
    return await work(connection);
  } catch (error) {
    knex.client.emit('query-error', error, {});
    throw error;
  } finally {
    await knex.client.releaseConnection(connection);
  }
}
