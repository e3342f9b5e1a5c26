import type { EntityManager } from '@mikro-orm/postgresql';
import { importPayloadSql, notifyDomainEventsSql } from '../events/domain-events';
import { queryPrepared } from '../../db/prepared-statements';

/** An import a job works on; `processedRows` is where it resumes. */
export interface ImportInProgress {
  id: number;
  companyId: number;
  /** Who started the import: the actor of the audit events of its creations (null once that user is gone). */
  createdById: number | null;
  storageKey: string;
  processedRows: number;
  totalRows: number;
}

interface ImportRow {
  id: number;
  company_id: number;
  created_by_id: number | null;
  storage_key: string;
  processed_rows: number;
  total_rows: number;
}

/**
 * Marks a queued import as processing (or finds it processing, a retry or a continuation) and
 * returns it; null when it is finished or gone: a job for it has nothing left to do.
 */
export async function beginImport(em: EntityManager, importId: number): Promise<ImportInProgress | null> {
  const [row] = await queryPrepared<ImportRow>(
    em,
    `update import_files
        set status = 'processing', started_at = coalesce(started_at, now()), updated_at = now()
      where id = ? and status in ('queued', 'processing')
      returning id, company_id, created_by_id, storage_key, processed_rows, total_rows`,
    [importId],
  );
  if (!row) return null;
  return {
    id: row.id,
    companyId: row.company_id,
    createdById: row.created_by_id,
    storageKey: row.storage_key,
    processedRows: row.processed_rows,
    totalRows: row.total_rows,
  };
}

/** Records the number of data rows the file holds (for progress). */
export async function recordTotalRows(em: EntityManager, importId: number, totalRows: number): Promise<void> {
  await queryPrepared(em, `update import_files set total_rows = ?, updated_at = now() where id = ? and status = 'processing'`, [
    totalRows,
    importId,
  ]);
}

/** Ends a processing import as completed, with its `import.completed` event, in one statement. */
export async function completeImport(em: EntityManager, importId: number): Promise<void> {
  await queryPrepared(
    em,
    `with done as (
       update import_files
          set status = 'completed', finished_at = now(), total_rows = processed_rows, updated_at = now()
        where id = ? and status = 'processing' returning *),
     evented as (
       insert into domain_events (type, company_id, payload)
       select 'import.completed', d.company_id, ${importPayloadSql('d')} from done d
       returning id),
     ${notifyDomainEventsSql('notified', 'evented')}
     select id from done where (select count(*) from notified) >= 0`,
    [importId],
  );
}

/**
 * Ends an import that cannot go on (its file is missing, its header is wrong, its job failed every
 * attempt), with one error row saying why and its `import.failed` event, in one statement. `row` 0
 * stands for the file as a whole.
 */
export async function failImport(em: EntityManager, importId: number, problem: { row: number; message: string }): Promise<void> {
  await queryPrepared(
    em,
    `with failed as (
       update import_files
          set status = 'failed', finished_at = now(), updated_at = now()
        where id = ? and status in ('queued', 'processing') returning *),
     evented as (
       insert into domain_events (type, company_id, payload)
       select 'import.failed', f.company_id, ${importPayloadSql('f', 1)} from failed f
       returning id),
     ${notifyDomainEventsSql('notified', 'evented')}
     insert into import_row_errors (import_file_id, "row", field, message)
     select id, ?, null, ? from failed where (select count(*) from notified) >= 0
     on conflict (import_file_id, "row") do nothing`,
    [importId, problem.row, problem.message.slice(0, 500)],
  );
}
