import type { EntityManager } from '@mikro-orm/postgresql';
import { importPayloadSql, notifyDomainEventsSql } from '../events/domain-events';
import { queryPrepared } from '../../db/prepared-statements';

/**
 * Marks the statements an idle worker sends on its own, so that tooling counting the statements of
 * requests (test/helpers/test-app.ts `countStatements`) can tell them apart.
 */
export const IMPORT_WORKER_SQL_TAG = '/* import-worker */';

/** An import a worker holds the lease of; `processedRows` is where it resumes. */
export interface ClaimedImport {
  id: number;
  companyId: number;
  /** Who started the import: the actor of the audit events of its creations (null once that user is gone). */
  createdById: number | null;
  storageKey: string;
  processedRows: number;
  totalRows: number;
}

/**
 * Claims the oldest import that is queued, or processing under an expired or released lease, for
 * `workerId`. `for update skip locked` lets any number of workers (in this process or others) claim
 * concurrently without ever getting the same import.
 */
export async function claimNextImport(em: EntityManager, workerId: string, leaseMs: number): Promise<ClaimedImport | null> {
  const rows = await queryPrepared<ClaimedRow>(
    em,
    `${IMPORT_WORKER_SQL_TAG} update import_files
        set status = 'processing', locked_by = ?, locked_until = now() + ? * interval '1 millisecond',
            started_at = coalesce(started_at, now()), updated_at = now()
      where id = (
        select id from import_files
         where status in ('queued', 'processing') and (locked_until is null or locked_until < now())
         order by id
         for update skip locked
         limit 1)
      returning id, company_id, created_by_id, storage_key, processed_rows, total_rows`,
    [workerId, leaseMs],
  );
  if (!rows.length) return null;
  const [row] = rows;
  return {
    id: row.id,
    companyId: row.company_id,
    createdById: row.created_by_id,
    storageKey: row.storage_key,
    processedRows: row.processed_rows,
    totalRows: row.total_rows,
  };
}

interface ClaimedRow {
  id: number;
  company_id: number;
  created_by_id: number | null;
  storage_key: string;
  processed_rows: number;
  total_rows: number;
}

/** Records the number of data rows the file holds (for progress), while the lease is still held. */
export async function recordTotalRows(
  em: EntityManager,
  importId: number,
  workerId: string,
  totalRows: number,
): Promise<boolean> {
  return updatedOne(
    em,
    'update import_files set total_rows = ?, updated_at = now() where id = ? and locked_by = ? returning id',
    [totalRows, importId, workerId],
  );
}

/** Gives the lease back (a worker that stops): another worker resumes the import right away. */
export async function releaseImport(em: EntityManager, importId: number, workerId: string): Promise<void> {
  await updatedOne(
    em,
    'update import_files set locked_by = null, locked_until = null, updated_at = now() where id = ? and locked_by = ? returning id',
    [importId, workerId],
  );
}

export async function completeImport(em: EntityManager, importId: number, workerId: string): Promise<boolean> {
  return updatedOne(
    em,
    `with done as (
       update import_files
          set status = 'completed', finished_at = now(), total_rows = processed_rows,
              locked_by = null, locked_until = null, updated_at = now()
        where id = ? and locked_by = ? returning *),
     evented as (
       insert into domain_events (type, company_id, payload)
       select 'import.completed', d.company_id, ${importPayloadSql('d')} from done d
       returning id),
     ${notifyDomainEventsSql('notified', 'evented')}
     select id from done where (select count(*) from notified) >= 0`,
    [importId, workerId],
  );
}

/**
 * Ends an import that cannot go on (its file is missing or its header is wrong), with one error row
 * saying why, in one statement. `row` 0 stands for the file as a whole.
 */
export async function failImport(
  em: EntityManager,
  importId: number,
  workerId: string,
  problem: { row: number; message: string },
): Promise<void> {
  await queryPrepared(
    em,
    `with failed as (
       update import_files
          set status = 'failed', finished_at = now(), locked_by = null, locked_until = null, updated_at = now()
        where id = ? and locked_by = ? returning *),
     evented as (
       insert into domain_events (type, company_id, payload)
       select 'import.failed', f.company_id, ${importPayloadSql('f', 1)} from failed f
       returning id),
     ${notifyDomainEventsSql('notified', 'evented')}
     insert into import_row_errors (import_file_id, "row", field, message)
     select id, ?, null, ? from failed where (select count(*) from notified) >= 0
     on conflict (import_file_id, "row") do nothing`,
    [importId, workerId, problem.row, problem.message.slice(0, 500)],
  );
}

async function updatedOne(em: EntityManager, sql: string, params: unknown[]): Promise<boolean> {
  return (await queryPrepared(em, sql, params)).length > 0;
}
