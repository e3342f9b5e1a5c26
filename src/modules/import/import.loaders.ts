import type { EntityManager } from '@mikro-orm/postgresql';
import { queryPrepared } from '../../db/prepared-statements';
import { intArray } from '../../db/read-models';
import { RequestLoader } from '../../db/request-loader';
import type { ImportRowError } from './import-row-error.entity';

/**
 * The graph lists at most this many errors per import (the first ones, by row): `failedCount`
 * still says how many rows failed, and a file of 100,000 bad rows must not become one response.
 */
export const MAX_LISTED_ROW_ERRORS = 1000;

export type ImportRowErrorView = Pick<ImportRowError, 'row' | 'field' | 'message'>;

export function createImportLoaders(em: EntityManager) {
  return { rowErrorsByImportId: rowErrorsLoader(em) };
}

/** One statement for any number of imports; the lateral limit caps each import on its own. */
function rowErrorsLoader(em: EntityManager) {
  return new RequestLoader<number, ImportRowErrorView[]>(async (ids) => {
    const rows: (ImportRowErrorView & { import_file_id: number })[] = await queryPrepared(
      em,
      `select e.import_file_id, e."row", e.field, e.message
         from unnest(?::bigint[]) as wanted (id)
         cross join lateral (
           select import_file_id, "row", field, message from import_row_errors
            where import_file_id = wanted.id order by "row" limit ?) e
        order by e.import_file_id, e."row"`,
      [intArray(ids), MAX_LISTED_ROW_ERRORS],
    );
    const byImport = new Map<number, ImportRowErrorView[]>(ids.map((id) => [id, []]));
    for (const { import_file_id, row, field, message } of rows) byImport.get(import_file_id)?.push({ row, field, message });
    return ids.map((id) => byImport.get(id)!);
  });
}
