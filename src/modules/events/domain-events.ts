import type { EntityManager } from '@mikro-orm/postgresql';
import { queryPrepared } from '../../db/prepared-statements';
import { avatarUrl } from '../../shared/storage/avatar-url';
import type { Access } from '../access/access.entity';
import type { UserAccess } from '../access/user-access.entity';
import type { Company } from '../company/company.entity';
import type { Invitation } from '../invitation/invitation.entity';
import type { User } from '../user/user.entity';
import type { DomainEventType } from './event-bus';

/** The channel whose payload is a JSON array of committed `domain_events` ids (at most 500 a notification). */
export const DOMAIN_EVENTS_CHANNEL = 'leadsy_domain_events';
/** The channel whose payload is the id of an import whose batch committed. */
export const IMPORT_PROGRESS_CHANNEL = 'leadsy_import_progress';

/** A domain event to append in the transaction of its change. */
export interface DomainEventEntry {
  type: DomainEventType;
  /** The company of the change (account-wide user events: the user's primary company). */
  companyId: number | null;
  /** What the graph returns to a super_admin: never a secret. */
  payload: Record<string, unknown>;
}

/**
 * Ids per notification: NOTIFY payloads stop at 8000 bytes, and 500 ids of up to 10 digits with
 * their commas stay well below it, so an import batch of 5000 rows (10000 events) is 20 notifications.
 */
const IDS_PER_NOTIFICATION = 500;

/**
 * `pg_notify` of the ids `inserted` (a CTE with an `id` column) returned, in chunks, as a CTE to
 * reference from the statement's WHERE (`where (select count(*) from <name>) >= 0`): an unreferenced
 * CTE without a data-modifying statement would never run. NOTIFY is transactional: listeners hear
 * of the ids only when the transaction commits, and never when it rolls back.
 */
export function notifyDomainEventsSql(name: string, inserted: string): string {
  return `${name} as (
    select pg_notify('${DOMAIN_EVENTS_CHANNEL}', json_agg(id order by id)::text)
      from (select id, (row_number() over (order by id) - 1) / ${IDS_PER_NOTIFICATION} as chunk from ${inserted}) c
     group by chunk)`;
}

/** A timestamp as JSON.stringify writes a Date (UTC, milliseconds), for payloads built in SQL. */
export function isoSql(column: string): string {
  return `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

const APPEND = `with appended as (
    insert into domain_events (type, company_id, payload)
    select e.type, e.company_id, e.payload
      from unnest(?::text[], ?::int[], ?::jsonb[]) with ordinality as e (type, company_id, payload, n)
     order by e.n
    returning id),
  ${notifyDomainEventsSql('notified', 'appended')}
  select id from appended where (select count(*) from notified) >= 0 order by id`;

/**
 * Appends domain events with one statement whose text does not depend on how many there are, and
 * notifies their ids in the same statement. Run it with the EntityManager of the change's
 * transaction, next to its audit events: the events commit, or roll back, with the change.
 */
export async function appendDomainEvents(em: EntityManager, events: DomainEventEntry[]): Promise<number[]> {
  if (!events.length) return [];
  const rows = await queryPrepared<{ id: number }>(em, APPEND, [
    events.map((event) => event.type),
    events.map((event) => event.companyId),
    events.map((event) => JSON.stringify(event.payload)),
  ]);
  return rows.map((row) => row.id);
}

/** Tells listeners, at commit, that a batch of the import committed (its counters moved). */
export async function announceImportProgress(em: EntityManager, importFileId: number): Promise<void> {
  await queryPrepared(em, `select pg_notify('${IMPORT_PROGRESS_CHANNEL}', ?::text)`, [String(importFileId)]);
}

const iso = (date: Date | string | null | undefined): string | null => (date ? new Date(date).toISOString() : null);
const idOf = (id: number | null | undefined): string | null => (id == null ? null : String(id));
const enumName = (value: string): string => value.toUpperCase();

/** The fields of a user its payload is made of. */
export type UserPayloadFields = Pick<
  User,
  'id' | 'firstName' | 'lastName' | 'email' | 'status' | 'avatarKey' | 'onboardingCompletedAt' | 'createdAt' | 'updatedAt'
>;

/** A user as the graph returns it (scalar fields): never its password hash, credentials date or avatar key. */
export function userPayload(user: UserPayloadFields): Record<string, unknown> {
  return {
    id: String(user.id),
    firstName: user.firstName,
    lastName: user.lastName,
    fullName: `${user.firstName} ${user.lastName}`.trim(),
    email: user.email,
    status: enumName(user.status),
    avatarUrl: avatarUrl(user.avatarKey),
    onboardingCompletedAt: iso(user.onboardingCompletedAt),
    createdAt: iso(user.createdAt),
    updatedAt: iso(user.updatedAt),
  };
}

/** The grant's own fields, with whose it is, in which company, and its access. */
export interface GrantPayloadFields {
  id: number;
  userId: number;
  companyId: number;
  access: Pick<Access, 'id' | 'key'> & { name?: string };
  primary: boolean;
  /** A Date, or the driver's timestamp text (raw statements). */
  createdAt?: Date | string | null;
  updatedAt?: Date | string | null;
}

export function grantPayload(grant: GrantPayloadFields): Record<string, unknown> {
  return {
    id: String(grant.id),
    userId: String(grant.userId),
    companyId: String(grant.companyId),
    accessId: String(grant.access.id),
    accessKey: grant.access.key,
    ...(grant.access.name !== undefined ? { accessName: grant.access.name } : {}),
    primary: grant.primary,
    createdAt: iso(grant.createdAt),
    updatedAt: iso(grant.updatedAt),
  };
}

/** A UserAccess entity with its access (a grant given a new access holds only a reference to it). */
export function userAccessPayload(userAccess: UserAccess, access: Pick<Access, 'id' | 'key' | 'name'>): Record<string, unknown> {
  return grantPayload({
    id: userAccess.id,
    userId: userAccess.user.id,
    companyId: userAccess.company.id,
    access,
    primary: userAccess.primary,
    createdAt: userAccess.createdAt,
    updatedAt: userAccess.updatedAt,
  });
}

export function companyPayload(company: Company): Record<string, unknown> {
  return {
    id: String(company.id),
    name: company.name,
    isDefault: company.isDefault,
    parentCompanyId: idOf(company.parent?.id),
    membershipId: idOf(company.membership?.id),
    avatarUrl: avatarUrl(company.avatarKey),
    createdAt: iso(company.createdAt),
    updatedAt: iso(company.updatedAt),
  };
}

/** An invitation: never its token nor the token's hash. `status` overrides the entity's (a conditional update wrote it). */
export function invitationPayload(
  invitation: Invitation,
  access: Pick<Access, 'id' | 'key'>,
  override: { status?: string; updatedAt?: Date } = {},
): Record<string, unknown> {
  return {
    id: String(invitation.id),
    email: invitation.email,
    companyId: String(invitation.company.id),
    accessId: String(access.id),
    accessKey: access.key,
    status: enumName(override.status ?? invitation.status),
    expiresAt: iso(invitation.expiresAt),
    invitedById: idOf(invitation.invitedBy?.id),
    createdAt: iso(invitation.createdAt),
    updatedAt: iso(override.updatedAt ?? invitation.updatedAt),
  };
}

/** The user payload built in SQL from a `users` row aliased `alias` (the rename's single statement). */
export function userPayloadSql(alias: string, avatarPrefixParam = '?'): string {
  return `jsonb_build_object('id', ${alias}.id::text, 'firstName', ${alias}.first_name, 'lastName', ${alias}.last_name,
    'fullName', trim(${alias}.first_name || ' ' || ${alias}.last_name), 'email', ${alias}.email, 'status', upper(${alias}.status),
    'avatarUrl', ${avatarPrefixParam}::text || ${alias}.avatar_key, 'onboardingCompletedAt', ${isoSql(`${alias}.onboarding_completed_at`)},
    'createdAt', ${isoSql(`${alias}.created_at`)}, 'updatedAt', ${isoSql(`${alias}.updated_at`)})`;
}

/** The import payload built in SQL from an `import_files` row aliased `alias`; `extraErrors` counts errors the same statement adds. */
export function importPayloadSql(alias: string, extraErrors = 0): string {
  return `jsonb_build_object('id', ${alias}.id::text, 'name', ${alias}.name, 'companyId', ${alias}.company_id::text,
    'status', upper(${alias}.status), 'totalRows', ${alias}.total_rows, 'processedRows', ${alias}.processed_rows,
    'createdCount', ${alias}.created_count, 'failedCount', ${alias}.failed_count,
    'errorCount', (select count(*) from import_row_errors e where e.import_file_id = ${alias}.id) + ${extraErrors},
    'startedAt', ${isoSql(`${alias}.started_at`)}, 'finishedAt', ${isoSql(`${alias}.finished_at`)},
    'createdAt', ${isoSql(`${alias}.created_at`)}, 'updatedAt', ${isoSql(`${alias}.updated_at`)})`;
}
