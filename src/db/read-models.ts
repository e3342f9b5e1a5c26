import { type EntityClass, type EntityManager, ReferenceKind } from '@mikro-orm/postgresql';
import { queryPrepared } from './prepared-statements';

/**
 * The graph reads rows without MikroORM's unit of work. Hydrating managed entities (identity map,
 * change-set snapshots, reference propagation) was the largest cost of a list query, and nothing
 * a query reads is ever flushed. A read model has the entity's prototype (so getters such as
 * `fullName` work) and plain own properties: each column, and `{ id }` for each many-to-one.
 * Writes never take a read model as a relation value: they reference rows by id.
 */
interface Column {
  property: string;
  column: string;
  kind: 'value' | 'reference' | 'date';
}

interface ReadModel {
  /**
   * The entity's prototype under a layer of plain data properties, one per column: assigning a
   * column then creates an own property instead of running an accessor MikroORM may define on the
   * prototype, and every read model of an entity gets the same shape (fast property access).
   */
  prototype: object;
  table: string;
  columns: Column[];
  /** Each column's key in a row, per prefix: built once instead of once per row and column. */
  keysByPrefix: Map<string, string[]>;
}

const models = new WeakMap<object, ReadModel>();

function readModelOf(em: EntityManager, entity: EntityClass<object>): ReadModel {
  let model = models.get(entity);
  if (!model) {
    const meta = em.getMetadata().get(entity.name);
    const columns = Object.values(meta.properties)
      // Lazy columns (the password hash) are only ever read on purpose, by a write path.
      .filter((prop) => (prop.kind === ReferenceKind.SCALAR || prop.kind === ReferenceKind.MANY_TO_ONE) && !prop.lazy)
      .map((prop): Column => ({
        property: prop.name,
        column: prop.fieldNames[0],
        kind: prop.kind === ReferenceKind.MANY_TO_ONE ? 'reference' : prop.runtimeType === 'Date' ? 'date' : 'value',
      }));
    const prototype = Object.create(entity.prototype);
    for (const { property } of columns) {
      Object.defineProperty(prototype, property, { value: undefined, writable: true, enumerable: false, configurable: true });
    }
    model = { prototype, table: meta.tableName, columns, keysByPrefix: new Map() };
    models.set(entity, model);
  }
  return model;
}

/** `"u"."id", "u"."first_name", ...`: the columns a read model needs, qualified by `alias`. */
export function readColumns(em: EntityManager, entity: EntityClass<object>, alias: string, prefix = ''): string {
  return readModelOf(em, entity)
    .columns.map(({ column }) => `"${alias}"."${column}"${prefix ? ` as "${prefix}${column}"` : ''}`)
    .join(', ');
}

export function tableOf(em: EntityManager, entity: EntityClass<object>): string {
  return `"${readModelOf(em, entity).table}"`;
}

/** A row (keyed by column name, optionally prefixed) as a read model of `entity`. */
export function toReadModel<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  row: Record<string, unknown>,
  prefix = '',
): T {
  const { prototype, columns, keysByPrefix } = readModelOf(em, entity);
  let keys = keysByPrefix.get(prefix);
  if (!keys) keysByPrefix.set(prefix, (keys = columns.map(({ column }) => `${prefix}${column}`)));
  const model = Object.create(prototype) as Record<string, unknown>;
  for (let index = 0; index < columns.length; index += 1) {
    const { property, kind } = columns[index];
    model[property] = columnValue(row[keys[index]], kind);
  }
  return model as T;
}

function columnValue(value: unknown, kind: Column['kind']): unknown {
  if (value === null || value === undefined) return kind === 'value' ? value : null;
  if (kind === 'reference') return { id: value };
  // MikroORM has the driver return timestamps as text (`2026-02-17 19:55:10.123+00`).
  if (kind === 'date') return value instanceof Date ? value : new Date(value as string);
  return value;
}

/** Runs `sql` and returns its rows as read models of `entity`. */
export async function readRows<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const rows: Record<string, unknown>[] = await queryPrepared(em, sql, params);
  return rows.map((row) => toReadModel(em, entity, row));
}

/**
 * One PostgreSQL array literal for a list of ids: the driver would expand a JS array into a
 * parameter list, and `= any(?::bigint[])` keeps one statement text whatever the list's length.
 */
export function intArray(ids: readonly number[]): string {
  return `{${ids.map((id) => Math.trunc(id)).join(',')}}`;
}
