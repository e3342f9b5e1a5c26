import type { EntityClass, EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';

/**
 * Per-request DataLoaders: every `load` of one tick becomes one `IN (...)` statement, so a list
 * of 1 or 1,000 parents costs the same number of statements.
 */
export function entityByIdLoader<T extends { id: number }>(em: EntityManager, entity: EntityClass<T>) {
  return new DataLoader<number, T | undefined>(async (ids) => {
    const rows = await em.find(entity, { id: { $in: [...ids] } } as unknown as FilterQuery<T>);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id));
  });
}

/** Loads the rows whose `foreignKey` points at each given id, ordered by id. */
export function entitiesByForeignKeyLoader<T extends { id: number }>(
  em: EntityManager,
  entity: EntityClass<T>,
  foreignKey: keyof T & string,
) {
  return new DataLoader<number, T[]>(async (ids) => {
    const rows = await em.find(entity, { [foreignKey]: { $in: [...ids] } } as FilterQuery<T>, {
      orderBy: { id: 'asc' } as never,
    });
    const groups = new Map<number, T[]>(ids.map((id) => [id, []]));
    for (const row of rows) {
      const parent = row[foreignKey] as { id: number } | null;
      if (parent) groups.get(parent.id)?.push(row);
    }
    return ids.map((id) => groups.get(id)!);
  });
}
