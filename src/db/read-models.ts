import { type EntityClass, type EntityManager, ReferenceKind } from '@mikro-orm/postgresql';
import { performanceTrickOn } from '../config';
import { queryPreparedArrays } from './prepared-statements';

/**
 * The graph reads rows without MikroORM's unit of work. Hydrating managed entities (identity map,
 * change-set snapshots, reference propagation) was the largest cost of a list query, and nothing
 * a query reads is ever flushed. A read model has the entity's prototype (so getters such as
 * `fullName` work) and plain own properties: each column, and `{ id }` for each many-to-one.
 * Writes never take a read model as a relation value: they reference rows by id.
 *
 * Rows come in array mode (`queryPreparedArrays`): a read model's columns are `readColumns` in that
 * order, the id first, starting at some offset of the row (one row may carry several joined models).
 */
interface Column {
  property: string;
  column: string;
  kind: 'value' | 'reference' | 'date';
}

type ReadFn = (row: readonly unknown[], offset: number) => object;

interface EntityReader {
  table: string;
  columns: Column[];
  read: ReadFn;
  /** `readColumns` per alias: loaders and pages ask for them on every request. */
  columnsSqlByAlias: Map<string, string>;
}

const models = new WeakMap<object, EntityReader>();

function readModelOf(em: EntityManager, entity: EntityClass<object>): EntityReader {
  let model = models.get(entity);
  if (!model) {
    const meta = em.getMetadata().get(entity.name);
    const columns = Object.values(meta.properties)
      // Lazy columns (the password hash) are only ever read on purpose, by a write path.
      .filter((prop) => (prop.kind === ReferenceKind.SCALAR || prop.kind === ReferenceKind.MANY_TO_ONE) && !prop.lazy)
      // The id first: a left-joined model is absent when the value at its offset is null.
      .sort((a, b) => Number(Boolean(b.primary)) - Number(Boolean(a.primary)))
      .map((prop): Column => ({
        property: prop.name,
        column: prop.fieldNames[0],
        kind: prop.kind === ReferenceKind.MANY_TO_ONE ? 'reference' : prop.runtimeType === 'Date' ? 'date' : 'value',
      }));
    model = { table: meta.tableName, columns, read: compileReader(entity, columns), columnsSqlByAlias: new Map() };
    models.set(entity, model);
  }
  return model;
}

/**
 * One function per entity that builds a read model from a row, compiled once from its column list
 * (as MikroORM compiles its hydrators): every store names its property, so each read model of an
 * entity gets the same shape in the same order, and the stores stay monomorphic. A loop storing
 * `model[property]` over the columns was 8% of the CPU of a 100-user page.
 *
 * The prototype is the entity's under a layer with one property per column: a plain data property,
 * so assigning the column creates an own property instead of running an accessor MikroORM may
 * define on the entity's prototype; for a date, an accessor over a slot that keeps PostgreSQL's
 * text until it is read (parsing a timestamp costs ~250 ns, and most queries never select the
 * timestamps of the rows they read).
 */
function compileReader(entity: EntityClass<object>, columns: Column[]): ReadFn {
  const prototype = Object.create(entity.prototype) as object;
  Object.defineProperty(prototype, READ_MODEL, { value: true });
  const slots: symbol[] = [];
  const stores = columns.map(({ property, kind }, index) => {
    const value = `row[offset + ${index}]`;
    if (kind === 'date') {
      slots.push(lazyDate(prototype, property));
      return `model[slots[${slots.length - 1}]] = ${value};`;
    }
    Object.defineProperty(prototype, property, { value: undefined, writable: true, enumerable: false, configurable: true });
    const key = JSON.stringify(property);
    return kind === 'reference' ? `model[${key}] = ${value} === null ? null : { id: ${value} };` : `model[${key}] = ${value};`;
  });
  const source = `return function read(row, offset) {\n  const model = Object.create(prototype);\n  ${stores.join('\n  ')}\n  return model;\n};`;
  return new Function('prototype', 'slots', source)(prototype, slots) as ReadFn;
}

/**
 * `property` on the prototype layer as an accessor over a symbol-keyed own slot: the slot holds the
 * row's text, replaced by its Date on the first read; assigning stores the value.
 */
function lazyDate(prototype: object, property: string): symbol {
  const slot = Symbol(property);
  Object.defineProperty(prototype, property, {
    get(this: Record<symbol, unknown>) {
      const value = this[slot];
      // MikroORM has the driver return timestamps as text (`2026-02-17 19:55:10.123+00`).
      if (typeof value !== 'string') return value ?? null;
      const date = new Date(value);
      this[slot] = date;
      return date;
    },
    set(this: Record<symbol, unknown>, value: unknown) {
      this[slot] = value;
    },
    enumerable: false,
    configurable: true,
  });
  return slot;
}

/**
 * What marks a read model (on the prototype layer, so it costs nothing per row): the guard at flush
 * (db/read-model-guard.ts) refuses to write one, and the type says a value is one.
 */
const READ_MODEL = Symbol('read model');
export type ReadModel<T> = T & { readonly [READ_MODEL]: true };

export function isReadModel(value: unknown): boolean {
  return typeof value === 'object' && value !== null && READ_MODEL in value;
}

/** `"u"."id", "u"."first_name", ...`: the columns of a read model, in its order, qualified by `alias`. */
export function readColumns(em: EntityManager, entity: EntityClass<object>, alias: string): string {
  const { columns, columnsSqlByAlias } = readModelOf(em, entity);
  let sql = columnsSqlByAlias.get(alias);
  if (sql === undefined) {
    sql = columns.map(({ column }) => `"${alias}"."${column}"`).join(', ');
    columnsSqlByAlias.set(alias, sql);
  }
  return sql;
}

/** How many row values a read model of `entity` takes: the offset of what follows it in a row. */
export function columnCount(em: EntityManager, entity: EntityClass<object>): number {
  return readModelOf(em, entity).columns.length;
}

export function tableOf(em: EntityManager, entity: EntityClass<object>): string {
  return `"${readModelOf(em, entity).table}"`;
}

/** The values of `row` from `offset` on (the columns of `readColumns`) as a read model of `entity`. */
export function toReadModel<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  row: readonly unknown[],
  offset = 0,
): ReadModel<T> {
  const model = readModelOf(em, entity);
  return (
    performanceTrickOn('read-models') ? model.read(row, offset) : managedEntity(em, entity, model, row, offset)
  ) as ReadModel<T>;
}

/**
 * `PERFORMANCE_TRICKS_OFF=read-models`: the same values hydrated by MikroORM (`em.map`) into a
 * managed entity of `em`'s identity map, references as MikroORM's, as `em.find` would return it.
 */
function managedEntity(
  em: EntityManager,
  entity: EntityClass<object>,
  model: EntityReader,
  row: readonly unknown[],
  offset: number,
) {
  const data: Record<string, unknown> = {};
  model.columns.forEach(({ column }, index) => (data[column] = row[offset + index]));
  return em.map(entity, data);
}

/** Runs `sql`, which selects `readColumns` of `entity` first, and returns its rows as read models. */
export async function readRows<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  sql: string,
  params: unknown[],
): Promise<ReadModel<T>[]> {
  const rows = await queryPreparedArrays(em, sql, params);
  return rows.map((row) => toReadModel(em, entity, row));
}

/**
 * One PostgreSQL array literal for a list of ids: the driver would expand a JS array into a
 * parameter list, and `= any(?::bigint[])` keeps one statement text whatever the list's length.
 */
export function intArray(ids: readonly number[]): string {
  return `{${ids.map((id) => Math.trunc(id)).join(',')}}`;
}
