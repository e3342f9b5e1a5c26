import type { QueryBuilder } from '@mikro-orm/postgresql';
import { type Page, type PageRequest, toPage } from '../graphql/connection';

/**
 * Runs one page of a query (ordered by id, one row more than asked to learn whether another
 * page follows); the count reuses the same conditions and runs only when selected.
 */
export async function paginate<T extends { id: number }>(query: () => QueryBuilder<T>, request: PageRequest): Promise<Page<T>> {
  const rows = (await query()
    .andWhere({ id: { $gt: request.afterId } } as never)
    .orderBy({ id: 'asc' } as never)
    .offset(request.offset)
    .limit(request.limit + 1)
    .getResultList()) as T[];
  return toPage(rows, request, () => query().getCount());
}
