/**
 * How a list is ordered: sort keys, then the id as the tie-breaker, all in one direction. Pages are
 * keysets: a page starts after (or ends before) a position, the sort key values and id of a row,
 * compared as one row value, so a page costs the same one statement wherever it is in the list.
 */
export interface SortKey {
  /** The SQL expression over the list's table alias. It must never be null: a row comparison with a null is not true. */
  sql: (alias: string) => string;
  /** How a position carries the value: text as is, a timestamp as ISO-8601 UTC text with microseconds. */
  type: 'text' | 'timestamptz';
}

export interface ListOrder {
  /** Names the order in a position's cursor: a cursor is only valid for the order it was made in. */
  name: string;
  keys: SortKey[];
  descending: boolean;
}

/** Where a row is in an order: its sort key values (as `selectSortKeys` reads them) and its id. */
export interface Position {
  keys: readonly string[];
  id: number;
}

/** The sort keys of every row in the id order: one shared empty list, not one per row of a page. */
export const NO_SORT_KEYS: readonly string[] = Object.freeze([]);

/** By id ascending: every list's order when the client names none. */
export const ID_ORDER: ListOrder = { name: 'id', keys: [], descending: false };

/** The sort key values as text, exact to the microsecond, to append to a select list (empty for the id order). */
export function selectSortKeys(order: ListOrder, alias: string): string {
  return order.keys
    .map((key, index) => {
      const value =
        key.type === 'timestamptz'
          ? `to_char(${key.sql(alias)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
          : key.sql(alias);
      return `, ${value} as sort_key_${index}`;
    })
    .join('');
}

/** `order by` of a page read in `descending` order: the sort keys, then the id. */
export function orderByKeys(order: ListOrder, alias: string, descending: boolean): string {
  const direction = descending ? 'desc' : 'asc';
  return [...order.keys.map((key) => key.sql(alias)), `${alias}.id`].map((sql) => `${sql} ${direction}`).join(', ');
}

/**
 * The condition "the row comes after `position`" (`side: 'after'`) or "before it" in `order`, with
 * its values: one row comparison, which a btree index on the same expressions and the id serves.
 */
export function keysetCondition(
  order: ListOrder,
  alias: string,
  side: 'after' | 'before',
  position: Position,
): { sql: string; values: (string | number)[] } {
  const comparison = (side === 'after') !== order.descending ? '>' : '<';
  const columns = [...order.keys.map((key) => key.sql(alias)), `${alias}.id`];
  const parameters = [...order.keys.map((key) => `?::${key.type}`), '?::bigint'];
  return {
    sql: `(${columns.join(', ')}) ${comparison} (${parameters.join(', ')})`,
    values: [...position.keys, position.id],
  };
}
