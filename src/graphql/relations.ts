import type { RequestLoader } from '../db/request-loader';
import { notFound } from '../shared/errors';
import { andThen, type MaybePromise } from '../shared/maybe-promise';

/**
 * The row a non-null relation points at. Foreign keys keep it there; if it vanished between two
 * statements of the request, the field fails with NOT_FOUND rather than a null the schema forbids.
 */
export function related<T>(loader: RequestLoader<number, T | undefined>, id: number, kind: string): MaybePromise<T> {
  return andThen(loader.load(id), (row) => {
    if (row === undefined) throw notFound(kind, id);
    return row;
  });
}
