import type { EntityClass, EntityManager } from '@mikro-orm/postgresql';
import { NO_SORT_KEYS, selectSortKeys } from './list-order';
import { type Page, type PageRequest, pageSql, toPage } from './page';
import { queryPrepared, queryPreparedArrays } from './prepared-statements';
import { columnCount, readColumns, tableOf, toReadModel } from './read-models';
import type { SqlConditions } from './sql-conditions';

/**
 * Runs one page of `entity`'s rows (aliased `alias` in `where`) that meet `where`, in the request's
 * order, one row more than asked to learn whether another page follows, and returns read models.
 * When the client selected `totalCount` (`request.withTotal`), the count with the same conditions
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
  const keyset = pageSql(request, alias);
  const page = `select ${readColumns(em, entity, alias)}${selectSortKeys(request.order, alias)} ${from}${keyset.conditions}
                 order by ${keyset.orderBy} limit ? offset ?`;
  const pageValues = [...where.values, ...keyset.values, request.limit + 1, request.offset];
  const keysFrom = columnCount(em, entity);
  const sortKeysOf = (row: unknown[], offset: number) =>
    request.order.keys.length
      ? (row.slice(offset + keysFrom, offset + keysFrom + request.order.keys.length) as string[])
      : NO_SORT_KEYS;
  if (!request.withTotal) {
    const rows = await queryPreparedArrays(em, page, pageValues);
    return toPage(
      rows.map((row) => toReadModel(em, entity, row)),
      request,
      async () => Number((await queryPrepared<{ total: string }>(em, count, where.values))[0].total),
      rows.map((row) => sortKeysOf(row, 0)),
    );
  }
  // One row with the count and nulls for the page's columns when the page is empty.
  const rows = await queryPreparedArrays(
    em,
    `select counted.total, page.* from (${count}) counted left join lateral (${page}) page on true`,
    [...where.values, ...pageValues],
  );
  const total = Number(rows[0][0]);
  const found = rows.filter((row) => row[1] !== null);
  return toPage(
    found.map((row) => toReadModel(em, entity, row, 1)),
    request,
    () => total,
    found.map((row) => sortKeysOf(row, 1)),
  );
}
