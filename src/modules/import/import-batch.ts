import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import { lockRemainingCompanyCapacity } from '../company/company-capacity';
import type { ImportableAccessKey } from '../auth/policy';
import type { CheckedRow, ImportedUser, RowProblem } from './import-row';

/** The import's lease was taken over (or the import is gone): its batch is rolled back and the job dropped. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

export interface BatchJob {
  importId: number;
  companyId: number;
  workerId: string;
  leaseMs: number;
  accessIds: Record<ImportableAccessKey, number>;
  /** Emails of earlier rows of this file (email → row), to name the row a duplicate repeats. */
  emailsInFile: Map<string, number>;
}

export interface BatchOutcome {
  processedRows: number;
  created: number;
  failed: number;
}

/**
 * Commits one batch of consecutive rows in ONE transaction, and only while `workerId` still holds
 * the import: the users it creates (multi-row inserts), their primary grant in the company, the
 * bad rows' errors and the import's counters commit together. So a restart resumes exactly after
 * the last committed batch and never creates a user twice.
 */
export async function commitImportBatch(em: EntityManager, job: BatchJob, rows: CheckedRow[]): Promise<BatchOutcome> {
  const firstRow = rowOf(rows[0]);
  const newInFile = new Map<string, number>();
  const outcome = await em.fork().transactional(async (tx) => {
    const trx = tx.getTransactionContext<Knex.Transaction>()!;
    await assertLeaseHeld(trx, job, firstRow - 1);
    const problems: RowProblem[] = [];
    const candidates: ImportedUser[] = [];
    for (const { user, error } of rows) {
      if (error) {
        problems.push(error);
        continue;
      }
      const earlier = job.emailsInFile.get(user.email) ?? newInFile.get(user.email);
      if (earlier !== undefined) {
        problems.push({ row: user.row, field: 'email', message: `repeats the email of row ${earlier}` });
        continue;
      }
      newInFile.set(user.email, user.row);
      candidates.push(user);
    }

    // Locking the company first serializes the batches of concurrent imports into the same company,
    // so the capacity and the existing emails read below stay true until this transaction commits.
    const remaining = await lockRemainingCompanyCapacity(tx, job.companyId);
    const existing = await existingEmails(trx, candidates);
    const fresh = candidates.filter((user) => {
      if (!existing.has(user.email)) return true;
      problems.push(alreadyExists(user));
      return false;
    });
    const admitted = remaining === null ? fresh : fresh.slice(0, remaining);
    for (const user of fresh.slice(admitted.length)) {
      problems.push({ row: user.row, field: null, message: "the company has reached its membership's user limit" });
    }

    const created = await insertUsers(trx, job, admitted);
    for (const user of admitted) if (!created.has(user.email)) problems.push(alreadyExists(user));
    if (problems.length) {
      await trx('import_row_errors').insert(
        problems.map((problem) => ({
          import_file_id: job.importId,
          row: problem.row,
          field: problem.field,
          message: problem.message.slice(0, 500),
        })),
      );
    }
    const processedRows = firstRow - 1 + rows.length;
    await trx('import_files')
      .where({ id: job.importId })
      .update({
        processed_rows: processedRows,
        created_count: trx.raw('created_count + ?', [created.size]),
        failed_count: trx.raw('failed_count + ?', [problems.length]),
        total_rows: trx.raw('greatest(total_rows, ?)', [processedRows]),
        locked_until: trx.raw("now() + ? * interval '1 millisecond'", [job.leaseMs]),
        updated_at: trx.raw('now()'),
      });
    return { processedRows, created: created.size, failed: problems.length };
  });
  for (const [email, row] of newInFile) job.emailsInFile.set(email, row);
  return outcome;
}

/** Locks the import row; it must still be this worker's and stand exactly before this batch. */
async function assertLeaseHeld(trx: Knex.Transaction, job: BatchJob, expectedProcessedRows: number): Promise<void> {
  const held: { processed_rows: number } | undefined = await trx('import_files')
    .where({ id: job.importId, locked_by: job.workerId })
    .forUpdate()
    .first('processed_rows');
  if (!held) throw new LeaseLostError(`import ${job.importId} is no longer held by ${job.workerId}`);
  if (held.processed_rows !== expectedProcessedRows) {
    throw new LeaseLostError(`import ${job.importId} moved on to row ${held.processed_rows} under another worker`);
  }
}

async function existingEmails(trx: Knex.Transaction, users: ImportedUser[]): Promise<Set<string>> {
  if (!users.length) return new Set();
  const rows: { email: string }[] = await trx('users')
    .whereIn(
      'email',
      users.map((user) => user.email),
    )
    .select('email');
  return new Set(rows.map((row) => row.email));
}

/**
 * Two multi-row statements: the users (pending, without a password: they choose one through the
 * password-reset flow) and their primary grant. A user created concurrently by someone else is
 * skipped by `on conflict` and left out of the returned emails.
 */
async function insertUsers(trx: Knex.Transaction, job: BatchJob, users: ImportedUser[]): Promise<Set<string>> {
  if (!users.length) return new Set();
  const inserted: { id: number; email: string }[] = await trx('users')
    .insert(users.map((user) => ({ email: user.email, first_name: user.firstName, last_name: user.lastName, status: 'pending' })))
    .onConflict('email')
    .ignore()
    .returning(['id', 'email']);
  if (!inserted.length) return new Set();
  const accessByEmail = new Map(users.map((user) => [user.email, job.accessIds[user.access]]));
  await trx('user_accesses').insert(
    inserted.map((user) => ({
      user_id: user.id,
      company_id: job.companyId,
      access_id: accessByEmail.get(user.email),
      primary: true,
    })),
  );
  return new Set(inserted.map((user) => user.email));
}

function alreadyExists(user: ImportedUser): RowProblem {
  return { row: user.row, field: 'email', message: 'a user with this email already exists' };
}

function rowOf(checked: CheckedRow): number {
  return checked.user ? checked.user.row : checked.error.row;
}
