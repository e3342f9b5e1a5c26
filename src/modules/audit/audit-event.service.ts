import type { Page, PageRequest } from '../../db/page';
import { toPage } from '../../db/page';
import { queryPreparedArrays } from '../../db/prepared-statements';
import { intArray, readColumns, tableOf, toReadModel } from '../../db/read-models';
import { SqlConditions } from '../../db/sql-conditions';
import { forbidden, invalidField } from '../../shared/errors';
import { parseOptionalId } from '../../shared/ids';
import { andThen, type MaybePromise } from '../../shared/maybe-promise';
import { authorize, companiesWhere } from '../auth/policy';
import type { Company } from '../company/company.entity';
import type { RequestContext } from '../request-context';
import type { User } from '../user/user.entity';
import { AuditEvent } from './audit-event.entity';
import {
  type AuditEventFilter,
  AuditEventOrder,
  MAX_AUDIT_ACTION_LENGTH,
  MAX_AUDIT_TARGET_ID_LENGTH,
  MAX_AUDIT_TARGET_TYPE_LENGTH,
} from './audit-event.inputs';

/** Keyset pages by id: the rows after the cursor's event, in either direction. */
const ORDERS = {
  [AuditEventOrder.NEWEST_FIRST]: { comparison: '<', direction: 'desc' },
  [AuditEventOrder.OLDEST_FIRST]: { comparison: '>', direction: 'asc' },
} as const;
/** The first page of the newest events starts below every id. */
const ABOVE_EVERY_ID = Number.MAX_SAFE_INTEGER;

/** A filter whose values have been checked: ids parsed, texts within their columns, `from` ≤ `to`. */
interface CheckedFilter {
  companyId?: number;
  actorId?: number;
  targetType?: string;
  targetId?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

/**
 * Reads the audit trail. A super_admin reads every event; anyone else the events of the companies
 * where the policy grants them `audit.read` (admins, over their company's tree). Events without a
 * company (failed logins of unknown emails...) are for super_admins only. Nothing here writes:
 * events are appended by `AuditTrail`, and only the retention pruner deletes them.
 */
export class AuditEventService {
  constructor(private readonly ctx: RequestContext) {}

  /**
   * One page of events, ordered by id, with one statement whatever its size (the relations of the
   * page are loaders: one statement each per page). There is no count: counting a trail of
   * millions of events would read them all.
   */
  async list(
    filter: AuditEventFilter | null | undefined,
    order: AuditEventOrder,
    request: PageRequest,
  ): Promise<Page<AuditEvent>> {
    this.ctx.requireViewer();
    const checked = checkFilter(filter);
    if (request.offset > 0) throw invalidField('after', 'must be the cursor of an audit event');
    const scope = await this.ctx.scope();
    const where = new SqlConditions();
    if (checked.companyId !== undefined) {
      authorize(scope, 'audit.read', checked.companyId, { kind: 'company', id: checked.companyId });
      where.add('e.company_id = ?::bigint', checked.companyId);
    } else {
      const readable = companiesWhere(scope, 'audit.read');
      if (readable?.length === 0) throw forbidden('the audit trail is for admins');
      if (readable) where.add('e.company_id = any(?::bigint[])', intArray(readable));
    }
    if (checked.actorId !== undefined) {
      // Which events a person made is about that person: only for viewers who may see them.
      if (!scope.seesEverything) await this.ctx.services.users.findVisible(checked.actorId);
      where.add('e.actor_user_id = ?::bigint', checked.actorId);
    }
    if (checked.targetType !== undefined) where.add('e.target_type = ?', checked.targetType);
    if (checked.targetId !== undefined) where.add('e.target_id = ?', checked.targetId);
    if (checked.action !== undefined) where.add('e.action = ?', checked.action);
    if (checked.from) where.add('e.occurred_at >= ?::timestamptz', checked.from.toISOString());
    if (checked.to) where.add('e.occurred_at < ?::timestamptz', checked.to.toISOString());

    const { em } = this.ctx;
    const { comparison, direction } = ORDERS[order];
    const afterId = request.after?.id ?? 0;
    const bound = order === AuditEventOrder.NEWEST_FIRST && afterId === 0 ? ABOVE_EVERY_ID : afterId;
    const rows = await queryPreparedArrays(
      em,
      `select ${readColumns(em, AuditEvent, 'e')} from ${tableOf(em, AuditEvent)} e
        where ${where.sql} and e.id ${comparison} ?::bigint order by e.id ${direction} limit ?`,
      [...where.values, bound, request.limit + 1],
    );
    return toPage(
      rows.map((row) => toReadModel(em, AuditEvent, row)),
      request,
      () => {
        throw new Error('audit event pages are not counted');
      },
    );
  }

  /** Events reach the graph only when their company is readable, so it is visible (null: no company, or gone). */
  companyOf(event: AuditEvent): MaybePromise<Company | null> {
    if (event.companyId === null || event.companyId === undefined) return null;
    return andThen(this.ctx.loaders.companyById.load(event.companyId), (company) => company ?? null);
  }

  /** The person who acted, when the viewer may see them (users' own visibility rules); null otherwise. */
  async actorOf(event: AuditEvent): Promise<User | null> {
    if (event.actorUserId === null || event.actorUserId === undefined) return null;
    const actor = await this.ctx.loaders.userById.load(event.actorUserId);
    return actor && (await this.ctx.services.users.isVisible(actor)) ? actor : null;
  }
}

function checkFilter(filter: AuditEventFilter | null | undefined): CheckedFilter {
  if (!filter) return {};
  const text = (field: 'targetType' | 'targetId' | 'action', max: number): string | undefined => {
    const value = filter[field];
    if (value === null || value === undefined) return undefined;
    if (!value.length) throw invalidField(`filter.${field}`, 'must not be empty');
    if (value.length > max) throw invalidField(`filter.${field}`, `must be at most ${max} characters`);
    return value;
  };
  const checked: CheckedFilter = {
    companyId: parseOptionalId(filter.companyId, 'filter.companyId'),
    actorId: parseOptionalId(filter.actorId, 'filter.actorId'),
    targetType: text('targetType', MAX_AUDIT_TARGET_TYPE_LENGTH),
    targetId: text('targetId', MAX_AUDIT_TARGET_ID_LENGTH),
    action: text('action', MAX_AUDIT_ACTION_LENGTH),
    from: filter.from ?? undefined,
    to: filter.to ?? undefined,
  };
  if (checked.from && checked.to && checked.to < checked.from) throw invalidField('filter.to', 'must not be before filter.from');
  return checked;
}
