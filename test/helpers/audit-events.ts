import type { World } from './fixtures';
import type { TestApp } from './test-app';

/** An audit event as a test inserts it (straight into the table: the API never writes one). */
export interface FixtureEvent {
  occurredAt: Date;
  actorUserId: number | null;
  actorApiKeyId?: number | null;
  action: string;
  targetType: string;
  targetId: string | null;
  companyId: number | null;
  changes?: Record<string, { old: unknown; new: unknown }> | null;
  requestId?: string | null;
  clientIp?: string | null;
  userAgent?: string | null;
}

/** A fixture event with the id it got. */
export type InsertedEvent = FixtureEvent & { id: number };

/** Inserts the events in their order (so their ids grow in that order) with one statement, and returns them with their ids. */
export async function insertAuditEvents(app: TestApp, events: FixtureEvent[]): Promise<InsertedEvent[]> {
  const rows = events.map((event, index) => ({
    n: index,
    occurred_at: event.occurredAt.toISOString(),
    actor_user_id: event.actorUserId,
    actor_api_key_id: event.actorApiKeyId ?? null,
    action: event.action,
    target_type: event.targetType,
    target_id: event.targetId,
    company_id: event.companyId,
    changes: event.changes ?? null,
    request_id: event.requestId ?? null,
    client_ip: event.clientIp ?? null,
    user_agent: event.userAgent ?? null,
  }));
  const result = await app.orm.em
    .getConnection()
    .getKnex()
    .raw(
      `insert into audit_events (occurred_at, actor_user_id, actor_api_key_id, action, target_type, target_id, company_id,
                                 changes, request_id, client_ip, user_agent)
       select r.occurred_at, r.actor_user_id, r.actor_api_key_id, r.action, r.target_type, r.target_id, r.company_id,
              r.changes, r.request_id, r.client_ip, r.user_agent
         from jsonb_to_recordset(?::jsonb) as r (n int, occurred_at timestamptz, actor_user_id int, actor_api_key_id int,
              action text, target_type text, target_id text, company_id int, changes jsonb, request_id text,
              client_ip text, user_agent text)
        order by r.n
       returning id`,
      [JSON.stringify(rows)],
    );
  const ids = (result.rows as { id: number }[]).map((row) => row.id).sort((a, b) => a - b);
  return events.map((event, index) => ({ ...event, id: ids[index] }));
}

/** When the fixture trail starts: long ago, apart from the events the requests of a test write now. */
export const FIXTURE_START = new Date('2025-03-01T00:00:00.000Z');
const MINUTE_MS = 60_000;
/** Just after the last fixture event: `{ from: FIXTURE_START, to: FIXTURE_END }` selects the fixture trail only. */
export const fixtureEnd = (count: number) => new Date(FIXTURE_START.getTime() + count * MINUTE_MS);

const ACTIONS = ['user.update', 'access.grant', 'session.login', 'company.create'];

/**
 * `count` events, one a minute from FIXTURE_START, spread over every company of the fixture world and
 * none, and over several actors (people of both trees, the super_admin, nobody).
 */
export function fixtureTrail(world: World, count: number): FixtureEvent[] {
  const { companies, users } = world;
  const companyIds = [
    companies.acme,
    companies.acmeEast,
    companies.acmeEastLab,
    companies.globex,
    companies.globexWest,
    companies.leadsy,
    null,
  ];
  const actors = [users.acmeAdmin.id, users.eastManager.id, users.globexAdmin.id, users.superAdmin.id, null];
  return Array.from({ length: count }, (_, index) => {
    const action = ACTIONS[index % ACTIONS.length];
    return {
      occurredAt: new Date(FIXTURE_START.getTime() + index * MINUTE_MS),
      actorUserId: actors[index % actors.length],
      actorApiKeyId: actors[index % actors.length] === null && index % 2 === 0 ? 7 : null,
      action,
      targetType: action.split('.')[0],
      targetId: String(index % 10),
      companyId: companyIds[index % companyIds.length],
      changes: index % 3 === 0 ? { lastName: { old: `Old ${index}`, new: `New ${index}` } } : null,
      requestId: `request-${index}`,
      clientIp: `203.0.113.${index % 250}`,
      userAgent: 'fixture-agent/1.0',
    };
  });
}
