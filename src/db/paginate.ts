import type { EntityClass, EntityManager, QueryBuilder } from '@mikro-orm/postgresql';
import { type Page, type PageRequest, toPage } from '../graphql/connection';
import { readColumns, toReadModel } from './read-models';

/**
 * Runs one page of a query (ordered by id, one row more than asked to learn whether another page
 * follows) and returns read models; the count reuses the same conditions and runs only when a
 * client selects it.
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
  const sql = page
    .getKnexQuery()
    .clearSelect()
    .select(em.getKnex().raw(readColumns(em, entity, page.alias)));
  const rows: Record<string, unknown>[] = await em.getConnection().execute(sql);
  return toPage(
    rows.map((row) => toReadModel(em, entity, row)),
    request,
    () => query().getCount(),
  );
}
