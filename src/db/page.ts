import type { MaybePromise } from '../shared/maybe-promise';
import { keysetCondition, type ListOrder, NO_SORT_KEYS, orderByKeys, type Position } from './list-order';

/**
 * A validated page request in `order`: the rows after `after` and before `before` (keyset
 * positions, what edge cursors carry), or the rows after the first `offset` rows (what numbered
 * pages need). `backward` asks for the last `limit` rows of that range (`last`) instead of the first.
 */
export interface PageRequest {
  limit: number;
  order: ListOrder;
  after: Position | null;
  before: Position | null;
  offset: number;
  backward: boolean;
  /** The client selected `totalCount`: the page and the count are read in one statement. */
  withTotal: boolean;
}

/** What a service returns for one page; the count runs only when a client selects `totalCount`. */
export interface Page<T> {
  nodes: T[];
  /** The order the page was read in, and each node's sort key values in it: what its cursor carries. */
  order: ListOrder;
  sortKeys: (readonly string[])[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  countTotal: () => MaybePromise<number>;
}

/**
 * The keyset conditions and the `order by` of a page's statement. A backward page is read from
 * its end (the order reversed, `limit + 1` rows) and turned around by `toPage`.
 */
export function pageSql(request: PageRequest, alias: string): { conditions: string; values: unknown[]; orderBy: string } {
  const bounds = [
    request.after && keysetCondition(request.order, alias, 'after', request.after),
    request.before && keysetCondition(request.order, alias, 'before', request.before),
  ].filter((bound) => bound !== null);
  return {
    conditions: bounds.map((bound) => ` and ${bound.sql}`).join(''),
    values: bounds.flatMap((bound) => bound.values),
    orderBy: orderByKeys(request.order, alias, request.order.descending !== request.backward),
  };
}

/**
 * Cuts the one extra row a query fetched to learn whether another page follows (or, paging
 * backward, precedes), and puts a backward page back in the order. `sortKeys` are the rows' sort
 * key values, in the same order as `rows` (none for the id order).
 */
export function toPage<T extends { id: number }>(
  rows: T[],
  request: PageRequest,
  countTotal: () => MaybePromise<number>,
  sortKeys: (readonly string[])[] = rows.map(() => NO_SORT_KEYS),
): Page<T> {
  const more = rows.length > request.limit;
  const nodes = rows.slice(0, request.limit);
  const keys = sortKeys.slice(0, request.limit);
  if (request.backward) {
    nodes.reverse();
    keys.reverse();
  }
  // A cursor's own row lies beyond it: a page bounded by a cursor has a neighbour on that side.
  const afterBound = request.after !== null || request.offset > 0;
  const beforeBound = request.before !== null;
  return {
    nodes,
    order: request.order,
    sortKeys: keys,
    hasNextPage: request.backward ? beforeBound : more || beforeBound,
    hasPreviousPage: request.backward ? more || afterBound : afterBound,
    countTotal,
  };
}
