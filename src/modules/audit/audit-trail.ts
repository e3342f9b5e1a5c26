import type { EntityManager } from '@mikro-orm/postgresql';
import { queryPrepared } from '../../db/prepared-statements';
import type { RequestContext } from '../request-context';
import type { FieldChange } from './audit-event.entity';

/** What an audit event says happened: `<target>.<verb>`. */
export type AuditAction =
  | 'session.login'
  | 'session.login_failed'
  | 'session.refresh'
  | 'session.refresh_reused'
  | 'session.logout'
  | 'session.revoke'
  | 'api_key.create'
  | 'api_key.revoke'
  | 'user.create'
  | 'user.update'
  | 'user.avatar_upload'
  | 'user.avatar_remove'
  | 'user.onboarding_complete'
  | 'access.grant'
  | 'access.update'
  | 'access.revoke'
  | 'company.create'
  | 'company.avatar_upload'
  | 'company.avatar_remove'
  | 'invitation.create'
  | 'invitation.revoke'
  | 'invitation.accept'
  | 'password_reset.request'
  | 'password_reset.complete'
  | 'legal_term.approve'
  | 'import.start'
  | 'webhook.create'
  | 'webhook.update'
  | 'webhook.disable'
  | 'webhook.enable'
  | 'webhook.delete'
  | 'webhook.rotate_secret'
  | 'webhook.redeliver'
  | 'authorization.refused';

export interface AuditEntry {
  action: AuditAction;
  targetType: string;
  targetId: number | string | null;
  /** The company the change happened in (for account-wide changes: the user's primary company). */
  companyId?: number | null;
  /** The fields the change touched; never a secret (no hash, token or key). */
  changes?: Record<string, FieldChange>;
}

/** Who acted and from where: the request's, or the import worker's on behalf of an import's creator. */
export interface AuditActor {
  userId: number | null;
  apiKeyId: number | null;
  requestId: string | null;
  clientIp: string | null;
  userAgent: string | null;
}

/**
 * Appends events with one statement whose text does not depend on how many there are. Run it with
 * the EntityManager of the change's transaction: the events commit, or roll back, with the change.
 */
export async function appendAuditEvents(em: EntityManager, actor: AuditActor, entries: AuditEntry[]): Promise<void> {
  if (!entries.length) return;
  await queryPrepared(
    em,
    `insert into audit_events (actor_user_id, actor_api_key_id, request_id, client_ip, user_agent, action, target_type, target_id, company_id, changes)
     select ?::int, ?::int, ?::text, ?::text, ?::text, e.action, e.target_type, e.target_id, e.company_id, e.changes
       from unnest(?::text[], ?::text[], ?::text[], ?::int[], ?::jsonb[]) as e (action, target_type, target_id, company_id, changes)`,
    [
      actor.userId,
      actor.apiKeyId,
      actor.requestId,
      actor.clientIp,
      actor.userAgent,
      entries.map((entry) => entry.action),
      entries.map((entry) => entry.targetType),
      entries.map((entry) => (entry.targetId === null ? null : String(entry.targetId))),
      entries.map((entry) => entry.companyId ?? null),
      entries.map((entry) => (entry.changes && Object.keys(entry.changes).length ? JSON.stringify(entry.changes) : null)),
    ],
  );
}

/** How a changed secret (a password) is recorded: that it changed, never its value or its hash. */
export const SECRET_CHANGED: FieldChange = { old: null, new: '[changed]' };

/**
 * The fields of `after` that differ from `before`, with both values, among `fields` (never list a
 * secret here). Dates compare by instant.
 */
export function changedFields<T extends object>(
  before: Partial<T>,
  after: Partial<T>,
  fields: (keyof T & string)[],
): Record<string, FieldChange> {
  const changes: Record<string, FieldChange> = {};
  for (const field of fields) {
    const [old, now] = [before[field], after[field]];
    // Absent and null are the same: a creation (`before` = {}) records only the fields it sets.
    const same = old instanceof Date && now instanceof Date ? old.getTime() === now.getTime() : (old ?? null) === (now ?? null);
    if (!same) changes[field] = { old: old ?? null, new: now ?? null };
  }
  return changes;
}

/** A request's audit trail: its events name the request's actor, address and user agent. */
export class AuditTrail {
  constructor(private readonly ctx: RequestContext) {}

  get actor(): AuditActor {
    const { viewer, credential, request } = this.ctx;
    return {
      userId: credential?.kind === 'api-key' ? null : (viewer?.id ?? null),
      apiKeyId: credential?.kind === 'api-key' ? credential.apiKeyId : null,
      requestId: request.requestId,
      clientIp: request.clientIp,
      userAgent: request.userAgent ?? null,
    };
  }

  /** Appends in `tx`'s transaction: call it inside the transaction that makes the change. */
  record(tx: EntityManager, ...entries: AuditEntry[]): Promise<void> {
    return appendAuditEvents(tx, this.actor, entries);
  }

  /** For events that record no change (a failed login, a refusal): written on their own. */
  recordAlone(...entries: AuditEntry[]): Promise<void> {
    return appendAuditEvents(this.ctx.em.fork(), this.actor, entries);
  }
}
