import type { EntityClass, EntityManager, QueryBuilder } from '@mikro-orm/postgresql';
import { type Page, type PageRequest, toPage } from '../graphql/connection';
import { readColumns, toReadModel } from './read-models';

/** The count's column in the combined statement; no entity has a column of that name. */
const TOTAL_COLUMN = '__total';

/**
 * Runs one page of a query (ordered by id, one row more than asked to learn whether another page
 * follows) and returns read models. When the client selected `totalCount` (`request.withTotal`),
 * the count with the same conditions comes in the same statement; otherwise it runs only if asked.
 */
export async function paginate<T extends { id: number }>(
  em: EntityManager,
  entity: EntityClass<T>,
  query: () => QueryBuilder<T>,
  request: PageRequest,
): Promise<Page<T>> {
  const page = query()
    .andWhere({ id: { $gt: request.afterId } } as never)
    .orderBy({ id: 'asc' } as never)
    .offset(request.offset)
    .limit(request.limit + 1);
  const pageSql = page
    .getKnexQuery()
    .clearSelect()
    .select(em.getKnex().raw(readColumns(em, entity, page.alias)));
  if (!request.withTotal) {
    const rows: Record<string, unknown>[] = await em.getConnection().execute(pageSql);
    return toPage(
      rows.map((row) => toReadModel(em, entity, row)),
      request,
      () => query().getCount(),
    );
  }
  // One row with the count and no page columns when the page is empty.
  const combined = em
    .getKnex()
    .raw(`select counted.count as "${TOTAL_COLUMN}", page.* from (?) counted left join lateral (?) page on true`, [
      query().count().getKnexQuery(),
      pageSql,
    ]);
  const rows: Record<string, unknown>[] = await em.getConnection().execute(combined);
  const total = Number(rows[0][TOTAL_COLUMN]);
  return toPage(
    rows.filter((row) => row.id !== null).map((row) => toReadModel(em, entity, row)),
    request,
    () => total,
  );
}
