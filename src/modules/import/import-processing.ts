import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../../shared/logger';
import type { FileStorage } from '../../shared/storage/file-storage';
import { Access } from '../access/access.entity';
import { type BatchJob, commitImportBatch } from './import-batch';
import { headerProblem } from './import-csv';
import { type ImportRecord, readImportRecords } from './import-csv-records';
import { completeImport, failImport, type ImportInProgress, recordTotalRows } from './import-state';
import { IMPORTABLE_ACCESS_KEYS, type ImportableAccessKey } from '../auth/policy';
import { type CheckedRow, checkImportRow } from './import-row';

export interface ImportJobDeps {
  orm: MikroORM;
  storage: FileStorage;
  logger: Logger;
}

export interface ImportJobOptions {
  batchSize: number;
  /** Asked after every committed batch; false makes the job stop there and return 'paused'. */
  shouldContinue: () => boolean;
}

/** 'paused': stopped on a batch boundary with rows left, for a later job to resume. */
export type ImportJobEnd = 'completed' | 'failed' | 'paused';

/** Row 0 of an import's errors is about the file as a whole. */
const WHOLE_FILE = 0;

/**
 * Works on a processing import: streams its CSV from the storage, skips the rows already committed,
 * and commits the rest batch by batch, a malformed record being one bad row. Only a missing file or
 * a wrong header fails the import. Throws ImportMovedOnError when another attempt committed first;
 * any other error rolls back the batch in flight, and the job's retry resumes after the last one.
 */
export async function processImport(
  deps: ImportJobDeps,
  claimed: ImportInProgress,
  options: ImportJobOptions,
): Promise<ImportJobEnd> {
  const em = deps.orm.em.fork();
  const fail = async (message: string): Promise<ImportJobEnd> => {
    await failImport(em, claimed.id, { row: WHOLE_FILE, message });
    return 'failed';
  };

  if (claimed.processedRows === 0 && claimed.totalRows === 0) {
    const total = await countDataRows(deps.storage, claimed.storageKey);
    if (total !== null) await recordTotalRows(em, claimed.id, total);
  }
  const job: BatchJob = {
    importId: claimed.id,
    companyId: claimed.companyId,
    createdById: claimed.createdById,
    accessIds: await importableAccessIds(deps.orm),
    emailsInFile: new Map(),
  };
  const stored = await deps.storage.stream(claimed.storageKey);
  if (!stored) return fail('the import file is missing from the storage');
  let batch: CheckedRow[] = [];
  const commit = async () => {
    if (!batch.length) return;
    await commitImportBatch(deps.orm.em, job, batch);
    batch = [];
  };

  let header: string[] | undefined;
  let row = 0;
  for await (const record of readImportRecords(stored.stream)) {
    if (!header) {
      if (record.problem !== undefined) return await fail(`the header ${record.problem}`);
      const problem = headerProblem(record.cells);
      if (problem) return await fail(problem);
      header = record.cells;
      continue;
    }
    row += 1;
    // The emails of committed rows are still needed to recognise duplicates further down.
    if (row <= claimed.processedRows) {
      rememberEmail(job, row, record, header.length);
      continue;
    }
    batch.push(checkImportRow(row, record, header.length));
    if (batch.length < options.batchSize) continue;
    await commit();
    if (!options.shouldContinue()) return 'paused';
  }
  await commit();
  await completeImport(em, claimed.id);
  return 'completed';
}

/** Data rows in the file (records after the header, malformed ones too), or null when the file is missing. */
async function countDataRows(storage: FileStorage, key: string): Promise<number | null> {
  const stored = await storage.stream(key);
  if (!stored) return null;
  let count = 0;
  for await (const _record of readImportRecords(stored.stream)) count += 1;
  return Math.max(0, count - 1);
}

function rememberEmail(job: BatchJob, row: number, record: ImportRecord, columnCount: number): void {
  const { user } = checkImportRow(row, record, columnCount);
  if (user && !job.emailsInFile.has(user.email)) job.emailsInFile.set(user.email, row);
}

async function importableAccessIds(orm: MikroORM): Promise<Record<ImportableAccessKey, number>> {
  const accesses = await orm.em.fork().find(Access, { key: { $in: [...IMPORTABLE_ACCESS_KEYS] } });
  return Object.fromEntries(accesses.map((access) => [access.key, access.id])) as Record<ImportableAccessKey, number>;
}
