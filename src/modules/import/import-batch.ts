import type { EntityManager } from '@mikro-orm/postgresql';
import { queryPrepared } from '../../db/prepared-statements';
import { lockRemainingCompanyCapacity } from '../company/company-capacity';
import type { ImportableAccessKey } from '../auth/policy';
import type { CheckedRow, ImportedUser, RowProblem } from './import-row';
import { appendAuditEvents, type AuditActor, type AuditEntry, changedFields } from '../audit/audit-trail';
import { announceImportProgress, appendDomainEvents, type DomainEventEntry, grantPayload } from '../events/domain-events';

/**
 * The import is no longer where this batch starts: another attempt of its job (one that outlived
 * its expiry) committed this batch first, or the import ended. The batch is rolled back and this
 * attempt ends without writing anything.
 */
export class ImportMovedOnError extends Error {
  override name = 'ImportMovedOnError';
}

export interface BatchJob {
  importId: number;
  companyId: number;
  /** The import's creator, who acts in the audit events of the batch's creations. */
  createdById: number | null;
  accessIds: Record<ImportableAccessKey, number>;
  /** Emails of earlier rows of this file (email → row), to name the row a duplicate repeats. */
  emailsInFile: Map<string, number>;
}

/**
 * Commits one batch of consecutive rows in ONE transaction, and only when the import stands exactly
 * before it (so two attempts of one job can never both commit a batch): the users it creates (set-based inserts), their primary grant in the company, the
 * audit events of both, the bad rows' errors and the import's counters commit together. So a
 * restart resumes exactly after the last committed batch and never creates a user twice.
 */
export async function commitImportBatch(em: EntityManager, job: BatchJob, rows: CheckedRow[]): Promise<void> {
  const firstRow = rowOf(rows[0]);
  const newInFile = new Map<string, number>();
  await em.fork().transactional(async (tx) => {
    await assertImportStandsAt(tx, job, firstRow - 1);
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
    const existing = await existingEmails(tx, candidates);
    const fresh = candidates.filter((user) => {
      if (!existing.has(user.email)) return true;
      problems.push(alreadyExists(user));
      return false;
    });
    const admitted = remaining === null ? fresh : fresh.slice(0, remaining);
    for (const user of fresh.slice(admitted.length)) {
      problems.push({ row: user.row, field: null, message: "the company has reached its membership's user limit" });
    }

    const created = await insertUsers(tx, job, admitted);
    await appendAuditEvents(tx, importActor(job), creationEvents(job, admitted, created));
    await appendDomainEvents(tx, creationDomainEvents(job, admitted, created));
    for (const user of admitted) if (!created.has(user.email)) problems.push(alreadyExists(user));
    if (problems.length) await insertRowErrors(tx, job.importId, problems);
    const processedRows = firstRow - 1 + rows.length;
    await queryPrepared(tx, ADVANCE_IMPORT, [processedRows, created.size, problems.length, processedRows, job.importId]);
    await announceImportProgress(tx, job.importId);
  });
  for (const [email, row] of newInFile) job.emailsInFile.set(email, row);
}

/** Each statement is one fixed text whatever the batch's size (lists travel as arrays), so it stays prepared. */
const LOCK_IMPORT = `select processed_rows from import_files where id = ? and status = 'processing' for update`;
const EXISTING_EMAILS = 'select email from users where email = any(?::text[])';
const INSERT_USERS = `insert into users (email, first_name, last_name, status)
  select email, first_name, last_name, 'pending' from unnest(?::text[], ?::text[], ?::text[]) as u (email, first_name, last_name)
  on conflict (email) do nothing returning id, email, created_at, updated_at`;
const INSERT_PRIMARY_GRANTS = `insert into user_accesses (user_id, company_id, access_id, "primary")
  select user_id, ?, access_id, true from unnest(?::int[], ?::int[]) as g (user_id, access_id)
  returning id, user_id, created_at, updated_at`;
const INSERT_ROW_ERRORS = `insert into import_row_errors (import_file_id, "row", field, message)
  select ?, "row", field, message from unnest(?::int[], ?::text[], ?::text[]) as e ("row", field, message)`;
const ADVANCE_IMPORT = `update import_files
    set processed_rows = ?, created_count = created_count + ?, failed_count = failed_count + ?,
        total_rows = greatest(total_rows, ?), updated_at = now()
  where id = ?`;

/** Locks the import row; it must still be processing and stand exactly before this batch. */
async function assertImportStandsAt(tx: EntityManager, job: BatchJob, expectedProcessedRows: number): Promise<void> {
  const [held] = await queryPrepared<{ processed_rows: number }>(tx, LOCK_IMPORT, [job.importId]);
  if (!held) throw new ImportMovedOnError(`import ${job.importId} is no longer processing`);
  if (held.processed_rows !== expectedProcessedRows) {
    throw new ImportMovedOnError(`import ${job.importId} moved on to row ${held.processed_rows} under another attempt`);
  }
}

async function existingEmails(tx: EntityManager, users: ImportedUser[]): Promise<Set<string>> {
  if (!users.length) return new Set();
  const rows = await queryPrepared<{ email: string }>(tx, EXISTING_EMAILS, [users.map((user) => user.email)]);
  return new Set(rows.map((row) => row.email));
}

/** A user the batch created, with the ids (and creation times) of its row and of its primary grant, by email. */
type CreatedUsers = Map<string, { userId: number; grantId: number; userCreatedAt: Date | string; grantCreatedAt: Date | string }>;

/**
 * Two set-based statements: the users (pending, without a password: they choose one through the
 * password-reset flow) and their primary grant. A user created concurrently by someone else is
 * skipped by `on conflict` and left out of the returned map.
 */
async function insertUsers(tx: EntityManager, job: BatchJob, users: ImportedUser[]): Promise<CreatedUsers> {
  if (!users.length) return new Map();
  const inserted = await queryPrepared<{ id: number; email: string; created_at: Date | string }>(tx, INSERT_USERS, [
    users.map((user) => user.email),
    users.map((user) => user.firstName),
    users.map((user) => user.lastName),
  ]);
  if (!inserted.length) return new Map();
  const accessByEmail = new Map(users.map((user) => [user.email, job.accessIds[user.access]]));
  const grants = await queryPrepared<{ id: number; user_id: number; created_at: Date | string }>(tx, INSERT_PRIMARY_GRANTS, [
    job.companyId,
    inserted.map((user) => user.id),
    inserted.map((user) => accessByEmail.get(user.email)),
  ]);
  const grantOf = new Map(grants.map((grant) => [grant.user_id, grant]));
  return new Map(
    inserted.map((user) => {
      const grant = grantOf.get(user.id)!;
      return [
        user.email,
        { userId: user.id, grantId: grant.id, userCreatedAt: user.created_at, grantCreatedAt: grant.created_at },
      ];
    }),
  );
}

/** The import's creator acts, from no request: the worker runs on its own. */
function importActor(job: BatchJob): AuditActor {
  return { userId: job.createdById, apiKeyId: null, requestId: null, clientIp: null, userAgent: null };
}

/** `user.create` and `access.grant` for each user the batch created: appended with one statement. */
function creationEvents(job: BatchJob, admitted: ImportedUser[], created: CreatedUsers): AuditEntry[] {
  return admitted.flatMap((user): AuditEntry[] => {
    const ids = created.get(user.email);
    if (!ids) return [];
    const { companyId } = job;
    const fields = { email: user.email, firstName: user.firstName, lastName: user.lastName, status: 'pending' };
    const grant = { user: ids.userId, company: companyId, access: user.access, primary: true };
    return [
      { action: 'user.create', targetType: 'user', targetId: ids.userId, companyId, changes: createdFields(fields) },
      { action: 'access.grant', targetType: 'user_access', targetId: ids.grantId, companyId, changes: createdFields(grant) },
    ];
  });
}

/** `user.created` and `access.granted` for each user the batch created: appended with one statement. */
function creationDomainEvents(job: BatchJob, admitted: ImportedUser[], created: CreatedUsers): DomainEventEntry[] {
  return admitted.flatMap((user): DomainEventEntry[] => {
    const ids = created.get(user.email);
    if (!ids) return [];
    const { companyId } = job;
    const createdAt = new Date(ids.userCreatedAt).toISOString();
    return [
      {
        type: 'user.created',
        companyId,
        payload: {
          id: String(ids.userId),
          firstName: user.firstName,
          lastName: user.lastName,
          fullName: `${user.firstName} ${user.lastName}`.trim(),
          email: user.email,
          status: 'PENDING',
          avatarUrl: null,
          onboardingCompletedAt: null,
          createdAt,
          updatedAt: createdAt,
        },
      },
      {
        type: 'access.granted',
        companyId,
        payload: grantPayload({
          id: ids.grantId,
          userId: ids.userId,
          companyId,
          access: { id: job.accessIds[user.access], key: user.access },
          primary: true,
          createdAt: ids.grantCreatedAt,
          updatedAt: ids.grantCreatedAt,
        }),
      },
    ];
  });
}

function createdFields(fields: Record<string, unknown>) {
  return changedFields({}, fields, Object.keys(fields));
}

async function insertRowErrors(tx: EntityManager, importId: number, problems: RowProblem[]): Promise<void> {
  await queryPrepared(tx, INSERT_ROW_ERRORS, [
    importId,
    problems.map((problem) => problem.row),
    problems.map((problem) => problem.field),
    problems.map((problem) => problem.message.slice(0, 500)),
  ]);
}

function alreadyExists(user: ImportedUser): RowProblem {
  return { row: user.row, field: 'email', message: 'a user with this email already exists' };
}

function rowOf(checked: CheckedRow): number {
  return checked.user ? checked.user.row : checked.error.row;
}
