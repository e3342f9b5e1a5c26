import type { EntityClass, EntityManager } from '@mikro-orm/postgresql';
import { intArray, readColumns, readRows, tableOf } from './read-models';
import { RequestLoader } from './request-loader';

/**
 * Per-request loaders: every `load` of one tick becomes one `= any(...)` statement, so a list
 * of 1 or 1,000 parents costs the same number of statements. They return read models.
 */
export function entityByIdLoader<T extends { id: number }>(em: EntityManager, entity: EntityClass<T>) {
  return new RequestLoader<number, T | undefined>(async (ids) => {
    const rows = await readRows(
      em,
      entity,
      `select ${readColumns(em, entity, 't')} from ${tableOf(em, entity)} t where t.id = any(?::bigint[])`,
      [intArray(ids)],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id));
  });
}

/** Loads the rows whose `foreignKey` column points at each given id, ordered by id. */
export function entitiesByForeignKeyLoader<T extends { id: number }>(
  em: EntityManager,
  entity: EntityClass<T>,
  foreignKey: keyof T & string,
) {
  const column = em.getMetadata().get(entity.name).properties[foreignKey].fieldNames[0];
  return new RequestLoader<number, T[]>(async (ids) => {
    const rows = await readRows(
      em,
      entity,
      `select ${readColumns(em, entity, 't')} from ${tableOf(em, entity)} t where t."${column}" = any(?::bigint[]) order by t.id`,
      [intArray(ids)],
    );
    const groups = new Map<number, T[]>(ids.map((id) => [id, []]));
    for (const row of rows) groups.get((row[foreignKey] as { id: number }).id)?.push(row);
    return ids.map((id) => groups.get(id)!);
  });
}
