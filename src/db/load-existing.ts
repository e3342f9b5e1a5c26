import type { RequestLoader } from './request-loader';
import { notFound } from '../shared/errors';
import { andThen, type MaybePromise } from '../shared/maybe-promise';

/**
 * The row of `id`, or NOT_FOUND naming `kind`. For a non-null relation, foreign keys keep the row
 * there; if it vanished between two statements of the request, the field fails with NOT_FOUND
 * rather than a null the schema forbids.
 */
export function loadExisting<T>(loader: RequestLoader<number, T | undefined>, id: number, kind: string): MaybePromise<T> {
  return andThen(loader.load(id), (row) => {
    if (row === undefined) throw notFound(kind, id);
    return row;
  });
}
