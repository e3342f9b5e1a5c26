import { type AuditEntry, changedFields } from '../audit/audit-trail';
import { type DomainEventEntry, grantPayload, userAccessPayload } from '../events/domain-events';
import type { Access, AccessKey } from './access.entity';
import type { UserAccess } from './user-access.entity';

/** What the audit trail records of a grant: whose it is, in which company, which access (by key), whether primary. */
export interface GrantFields {
  user: number;
  company: number;
  access: AccessKey;
  primary: boolean;
}

const GRANT_FIELDS: (keyof GrantFields)[] = ['user', 'company', 'access', 'primary'];

/**
 * The grants as they are before a change, by id. Take it before the change touches them: the
 * entities are changed in place. Their accesses must be loaded (`lockUserAccessesOf` does).
 */
export function grantsBefore(userAccesses: UserAccess[]): Map<number, GrantFields> {
  return new Map(userAccesses.map((userAccess) => [userAccess.id, grantFields(userAccess, userAccess.access.key)]));
}

/**
 * One event per grant a change touched: `access.grant` for a new one, `access.update` when its
 * access or primary mark changed, `access.revoke` for one that is gone. `after` holds all the
 * user's grants once written (with ids); `accesses` every access the change involves, since a
 * grant given a new access holds only a reference to it.
 */
export function grantEvents(before: Map<number, GrantFields>, after: UserAccess[], accesses: Access[]): AuditEntry[] {
  const keys = new Map(accesses.map((access) => [access.id, access.key]));
  const entries: AuditEntry[] = [];
  for (const userAccess of after) {
    const old = before.get(userAccess.id);
    const changes = changedFields(
      old ?? {},
      grantFields(userAccess, keys.get(userAccess.access.id) ?? userAccess.access.key),
      GRANT_FIELDS,
    );
    if (!Object.keys(changes).length) continue;
    const action = old ? 'access.update' : 'access.grant';
    entries.push({ action, targetType: 'user_access', targetId: userAccess.id, companyId: userAccess.company.id, changes });
  }
  const kept = new Set(after.map((userAccess) => userAccess.id));
  for (const [id, old] of before) {
    if (kept.has(id)) continue;
    const changes = changedFields(old, {}, GRANT_FIELDS);
    entries.push({ action: 'access.revoke', targetType: 'user_access', targetId: id, companyId: old.company, changes });
  }
  return entries;
}

/** The event of one grant just created (flushed, so it has its id) with `access`. */
export function grantCreated(userAccess: UserAccess, access: Access): AuditEntry {
  return grantEvents(new Map(), [userAccess], [access])[0];
}

function grantFields(userAccess: UserAccess, access: AccessKey): GrantFields {
  return { user: userAccess.user.id, company: userAccess.company.id, access, primary: userAccess.primary };
}

/**
 * The domain events of a grant change, next to `grantEvents`' audit events: `access.granted` for a
 * new grant; for a grant whose access changed, `access.revoked` of the old one then `access.granted`
 * of the new one (same grant id: listeners keyed by role see the old role go and the new one come);
 * for a grant that only became (or stopped being) primary, `access.granted` with its current state;
 * `access.revoked` for a grant that is gone. Each in the grant's company.
 */
export function grantDomainEvents(before: Map<number, GrantFields>, after: UserAccess[], accesses: Access[]): DomainEventEntry[] {
  const byId = new Map(accesses.map((access) => [access.id, access]));
  const byKey = new Map(accesses.map((access) => [access.key, access]));
  const revoked = (id: number, old: GrantFields): DomainEventEntry => ({
    type: 'access.revoked',
    companyId: old.company,
    payload: grantPayload({
      id,
      userId: old.user,
      companyId: old.company,
      access: byKey.get(old.access) ?? { id: 0, key: old.access },
      primary: old.primary,
    }),
  });
  const events: DomainEventEntry[] = [];
  for (const userAccess of after) {
    const access = byId.get(userAccess.access.id) ?? userAccess.access;
    const old = before.get(userAccess.id);
    const now = grantFields(userAccess, access.key);
    if (old && !Object.keys(changedFields(old, now, GRANT_FIELDS)).length) continue;
    if (old && old.access !== now.access) events.push(revoked(userAccess.id, old));
    events.push({ type: 'access.granted', companyId: userAccess.company.id, payload: userAccessPayload(userAccess, access) });
  }
  const kept = new Set(after.map((userAccess) => userAccess.id));
  for (const [id, old] of before) if (!kept.has(id)) events.push(revoked(id, old));
  return events;
}

/** The domain event of one grant just created with `access`. */
export function grantCreatedEvent(userAccess: UserAccess, access: Access): DomainEventEntry {
  return { type: 'access.granted', companyId: userAccess.company.id, payload: userAccessPayload(userAccess, access) };
}
