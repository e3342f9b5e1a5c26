import type { MaybePromise } from '../shared/maybe-promise';

/**
 * A validated page request, ordered by id: the rows after the row with id `afterId` (keyset, what
 * edge cursors carry), or the rows after the first `offset` rows (what numbered pages need).
 */
export interface PageRequest {
  limit: number;
  afterId: number;
  offset: number;
  /** The client selected `totalCount`: the page and the count are read in one statement. */
  withTotal: boolean;
}

/** What a service returns for one page; the count runs only when a client selects `totalCount`. */
export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  countTotal: () => MaybePromise<number>;
}

/** Cuts the one extra row a query fetched to learn whether another page follows. */
export function toPage<T extends { id: number }>(
  rows: T[],
  request: PageRequest,
  countTotal: () => MaybePromise<number>,
): Page<T> {
  return {
    nodes: rows.slice(0, request.limit),
    hasNextPage: rows.length > request.limit,
    hasPreviousPage: request.afterId > 0 || request.offset > 0,
    countTotal,
  };
}
