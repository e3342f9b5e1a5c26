import type { EntityClass, EntityManager } from '@mikro-orm/postgresql';
import { type Page, type PageRequest, toPage } from './page';
import { queryPrepared, queryPreparedArrays } from './prepared-statements';
import { readColumns, tableOf, toReadModel } from './read-models';
import type { SqlConditions } from './sql-conditions';

/**
 * Runs one page of `entity`'s rows (aliased `alias` in `where`) that meet `where`, ordered by id,
 * one row more than asked to learn whether another page follows, and returns read models. When
 * the client selected `totalCount` (`request.withTotal`), the count with the same conditions
 * comes in the same statement; otherwise it runs only if asked. Both are prepared statements.
 */
export async function paginate<T extends { id: number }>(
  em: EntityManager,
  entity: EntityClass<T>,
  alias: string,
  where: SqlConditions,
  request: PageRequest,
): Promise<Page<T>> {
  const from = `from ${tableOf(em, entity)} ${alias} where ${where.sql}`;
  const count = `select count(*) as total ${from}`;
  const page = `select ${readColumns(em, entity, alias)} ${from} and ${alias}.id > ?::bigint
                 order by ${alias}.id limit ? offset ?`;
  const pageValues = [...where.values, request.afterId, request.limit + 1, request.offset];
  if (!request.withTotal) {
    const rows = await queryPreparedArrays(em, page, pageValues);
    return toPage(
      rows.map((row) => toReadModel(em, entity, row)),
      request,
      async () => Number((await queryPrepared<{ total: string }>(em, count, where.values))[0].total),
    );
  }
  // One row with the count and nulls for the page's columns when the page is empty.
  const rows = await queryPreparedArrays(
    em,
    `select counted.total, page.* from (${count}) counted left join lateral (${page}) page on true`,
    [...where.values, ...pageValues],
  );
  const total = Number(rows[0][0]);
  return toPage(
    rows.filter((row) => row[1] !== null).map((row) => toReadModel(em, entity, row, 1)),
    request,
    () => total,
  );
}
