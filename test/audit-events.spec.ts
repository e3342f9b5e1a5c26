import { buildGatewaySchema } from '../src/graphql/schema';
import { getNamedType, type GraphQLSchema, type GraphQLType, isInputObjectType } from 'graphql';
import { expectFieldError, expectRefused } from './helpers/expect';
import { FIXTURE_START, fixtureEnd, fixtureTrail, type InsertedEvent, insertAuditEvents } from './helpers/audit-events';
import type { World } from './helpers/fixtures';
import { useTestWorld } from './helpers/setup';

/** Retention off: the fixture trail is dated 2025 and must stay put while the tests read it. */
const { app, world } = useTestWorld({ AUDIT_RETENTION_DAYS: '0' });

const EVENTS = 140;
let trail: InsertedEvent[];

beforeAll(async () => {
  trail = await insertAuditEvents(app, fixtureTrail(world, EVENTS));
});

const WINDOW = () => ({ from: FIXTURE_START.toISOString(), to: fixtureEnd(EVENTS).toISOString() });

const AUDIT_EVENTS = `query Audit($filter: AuditEventFilter, $first: Int, $after: String, $order: AuditEventOrder) {
  auditEvents(filter: $filter, first: $first, after: $after, order: $order) {
    edges { cursor node {
      id occurredAt action targetType targetId actorApiKeyId changes requestId clientIp userAgent
      company { id name }
      actorUser { id email }
    } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

type Viewer = keyof World['users'];

const read = (viewer: Viewer | undefined, variables: Record<string, unknown>) =>
  app.graphql(AUDIT_EVENTS, variables, viewer && world.token(viewer));

/** The ids a viewer reads in the fixture window with `filter`, on one page of up to 1,000. */
async function idsFor(viewer: Viewer, filter: Record<string, unknown> = {}): Promise<number[]> {
  const { body } = await read(viewer, { filter: { ...WINDOW(), ...filter }, first: 1000 });
  expect(body.errors).toBeUndefined();
  return body.data.auditEvents.edges.map((edge: any) => Number(edge.node.id));
}

/** The fixture events that meet `keep`, newest first. */
const expected = (keep: (event: InsertedEvent) => boolean) =>
  trail
    .filter(keep)
    .map((event) => event.id)
    .sort((a, b) => b - a);

describe('auditEvents: who reads what', () => {
  it('shows a super_admin every event, those without a company too, newest first', async () => {
    expect(await idsFor('superAdmin')).toEqual(expected(() => true));
    expect(trail.some((event) => event.companyId === null)).toBe(true);
  });

  it("shows an admin of Acme the events of Acme's tree only", async () => {
    const acmeTree = [world.companies.acme, world.companies.acmeEast, world.companies.acmeEastLab];
    const ids = await idsFor('acmeAdmin');
    expect(ids).toEqual(expected((event) => acmeTree.includes(event.companyId!)));
    expect(ids.length).toBeGreaterThan(0);
  });

  it("shows an admin of Globex Globex's tree, never Acme's", async () => {
    const ids = await idsFor('globexAdmin');
    expect(ids).toEqual(expected((event) => [world.companies.globex, world.companies.globexWest].includes(event.companyId!)));
    const acme = await read('globexAdmin', { filter: { ...WINDOW(), companyId: String(world.companies.acme) } });
    expectRefused(acme, 'NOT_FOUND');
  });

  it.each(['eastManager', 'eastMember', 'labMember'] as const)(
    'refuses %s, admin nowhere (FORBIDDEN, not an empty list)',
    async (viewer) => {
      expectRefused(await read(viewer, {}), 'FORBIDDEN');
    },
  );

  it('refuses an anonymous caller', async () => {
    expectRefused(await read(undefined, {}), 'UNAUTHENTICATED');
  });

  it('answers a company filter as the policy does: NOT_FOUND where invisible, FORBIDDEN where the rank is too low', async () => {
    expectRefused(await read('eastManager', { filter: { companyId: String(world.companies.acmeEast) } }), 'FORBIDDEN');
    expectRefused(await read('labMember', { filter: { companyId: String(world.companies.acmeEast) } }), 'NOT_FOUND');
    expectRefused(await read('acmeAdmin', { filter: { companyId: String(world.companies.globexWest) } }), 'NOT_FOUND');
    expectRefused(await read('acmeAdmin', { filter: { companyId: String(world.companies.leadsy) } }), 'NOT_FOUND');
  });

  it('shows the actor only to viewers who may see that user', async () => {
    const { body } = await read('acmeAdmin', { filter: WINDOW(), first: 1000 });
    const byId = new Map(trail.map((event) => [event.id, event]));
    const visibleActors = new Set([world.users.acmeAdmin.id, world.users.eastManager.id]);
    for (const { node } of body.data.auditEvents.edges) {
      const event = byId.get(Number(node.id))!;
      const actor = event.actorUserId !== null && visibleActors.has(event.actorUserId) ? { id: String(event.actorUserId) } : null;
      expect([node.id, node.actorUser && { id: node.actorUser.id }]).toEqual([node.id, actor]);
    }
    // The super_admin sees every actor.
    const all = await read('superAdmin', { filter: WINDOW(), first: 1000 });
    const superAdminActed = all.body.data.auditEvents.edges.find(
      (edge: any) => Number(edge.node.id) === trail.find((event) => event.actorUserId === world.users.superAdmin.id)!.id,
    );
    expect(superAdminActed.node.actorUser).toEqual({
      id: String(world.users.superAdmin.id),
      email: world.users.superAdmin.email,
    });
  });

  it('answers every field of an event as stored', async () => {
    const event = trail.find((candidate) => candidate.changes && candidate.companyId === world.companies.acmeEast)!;
    const { body } = await read('superAdmin', {
      filter: { ...WINDOW(), companyId: String(world.companies.acmeEast) },
      first: 1000,
    });
    const node = body.data.auditEvents.edges.find((edge: any) => Number(edge.node.id) === event.id).node;
    expect(node).toEqual({
      id: String(event.id),
      occurredAt: event.occurredAt.toISOString(),
      action: event.action,
      targetType: event.targetType,
      targetId: event.targetId,
      actorApiKeyId: null,
      changes: event.changes,
      requestId: event.requestId,
      clientIp: event.clientIp,
      userAgent: event.userAgent,
      company: { id: String(world.companies.acmeEast), name: 'Acme East' },
      actorUser: event.actorUserId === null ? null : expect.objectContaining({ id: String(event.actorUserId) }),
    });
    const byKey = trail.find((candidate) => candidate.actorApiKeyId !== null && candidate.companyId === null)!;
    const all = await read('superAdmin', { filter: WINDOW(), first: 1000 });
    const keyNode = all.body.data.auditEvents.edges.find((edge: any) => Number(edge.node.id) === byKey.id).node;
    expect(keyNode).toMatchObject({
      actorApiKeyId: String(byKey.actorApiKeyId),
      actorUser: null,
      company: null,
      changes: byKey.changes ?? null,
    });
  });
});

describe('auditEvents: filters', () => {
  it('filters by company (that company, not its children)', async () => {
    expect(await idsFor('superAdmin', { companyId: String(world.companies.acmeEast) })).toEqual(
      expected((event) => event.companyId === world.companies.acmeEast),
    );
    expect(await idsFor('acmeAdmin', { companyId: String(world.companies.acmeEastLab) })).toEqual(
      expected((event) => event.companyId === world.companies.acmeEastLab),
    );
  });

  it('filters by actor, where the viewer may see the actor', async () => {
    expect(await idsFor('superAdmin', { actorId: String(world.users.globexAdmin.id) })).toEqual(
      expected((event) => event.actorUserId === world.users.globexAdmin.id),
    );
    const acmeTree = [world.companies.acme, world.companies.acmeEast, world.companies.acmeEastLab];
    expect(await idsFor('acmeAdmin', { actorId: String(world.users.eastManager.id) })).toEqual(
      expected((event) => event.actorUserId === world.users.eastManager.id && acmeTree.includes(event.companyId!)),
    );
    // Naming a user the viewer cannot see answers as a user that does not exist.
    expectRefused(await read('acmeAdmin', { filter: { actorId: String(world.users.superAdmin.id) } }), 'NOT_FOUND');
    expectRefused(await read('acmeAdmin', { filter: { actorId: String(world.users.globexAdmin.id) } }), 'NOT_FOUND');
  });

  it('filters by target type, target id and action', async () => {
    expect(await idsFor('superAdmin', { targetType: 'user' })).toEqual(expected((event) => event.targetType === 'user'));
    expect(await idsFor('superAdmin', { targetType: 'session', targetId: '2' })).toEqual(
      expected((event) => event.targetType === 'session' && event.targetId === '2'),
    );
    expect(await idsFor('superAdmin', { action: 'access.grant' })).toEqual(expected((event) => event.action === 'access.grant'));
    expect(await idsFor('superAdmin', { action: 'nothing.happened' })).toEqual([]);
  });

  it('filters by time: from inclusive, to exclusive', async () => {
    const from = trail[20].occurredAt;
    const to = trail[30].occurredAt;
    expect(await idsFor('superAdmin', { from: from.toISOString(), to: to.toISOString() })).toEqual(
      expected((event) => event.occurredAt >= from && event.occurredAt < to),
    );
    expect(await idsFor('superAdmin', { from: from.toISOString(), to: from.toISOString() })).toEqual([]);
  });

  it('combines the filters', async () => {
    const filter = { companyId: String(world.companies.acme), action: 'user.update', actorId: String(world.users.acmeAdmin.id) };
    expect(await idsFor('superAdmin', filter)).toEqual(
      expected(
        (event) =>
          event.companyId === world.companies.acme &&
          event.action === 'user.update' &&
          event.actorUserId === world.users.acmeAdmin.id,
      ),
    );
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a company id that is no id', { companyId: 'acme' }, 'filter.companyId'],
    ['an actor id of zero', { actorId: '0' }, 'filter.actorId'],
    ['an action over 64 characters', { action: 'a'.repeat(65) }, 'filter.action'],
    ['an empty action', { action: '' }, 'filter.action'],
    ['a target type over 32 characters', { targetType: 't'.repeat(33) }, 'filter.targetType'],
    ['a target id over 64 characters', { targetId: '1'.repeat(65) }, 'filter.targetId'],
    ['to before from', { from: '2025-03-02T00:00:00Z', to: '2025-03-01T00:00:00Z' }, 'filter.to'],
  ])('refuses %s (BAD_USER_INPUT naming the field)', async (_case, filter, field) => {
    const result = await read('superAdmin', { filter });
    expectFieldError(result, field);
    expect(result.body.errors[0].message).toContain(field);
  });

  it('refuses a page size over 1,000, a cursor it did not issue, and a time that is no time', async () => {
    expectFieldError(await read('superAdmin', { first: 1001 }), 'first');
    expectFieldError(await read('superAdmin', { after: 'bm90IGEgY3Vyc29y' }), 'after');
    const notATime = await read('superAdmin', { filter: { from: 'yesterday' } });
    expect(notATime.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('auditEvents: keyset pages', () => {
  /** Every page of `first` events in the window, following endCursor. */
  async function allPages(viewer: Viewer, first: number, order?: string): Promise<{ ids: number[]; pages: number }> {
    const ids: number[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { body } = await read(viewer, { filter: WINDOW(), first, after, order });
      expect(body.errors).toBeUndefined();
      const connection = body.data.auditEvents;
      pages += 1;
      expect(connection.pageInfo.hasPreviousPage).toBe(after !== null);
      ids.push(...connection.edges.map((edge: any) => Number(edge.node.id)));
      if (connection.edges.length) expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1).cursor);
      if (!connection.pageInfo.hasNextPage) return { ids, pages };
      after = connection.pageInfo.endCursor;
    }
  }

  it('walks the trail newest first over several pages, each event once', async () => {
    const { ids, pages } = await allPages('superAdmin', 25);
    expect(pages).toBe(Math.ceil(EVENTS / 25));
    expect(ids).toEqual(expected(() => true));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('walks it oldest first with order: OLDEST_FIRST', async () => {
    const { ids } = await allPages('acmeAdmin', 7, 'OLDEST_FIRST');
    const acmeTree = [world.companies.acme, world.companies.acmeEast, world.companies.acmeEastLab];
    expect(ids).toEqual(expected((event) => acmeTree.includes(event.companyId!)).reverse());
  });

  it('sends as many statements for a page of 100 as for a page of 10', async () => {
    const statementsFor = async (first: number, viewer: Viewer) => {
      let edges = 0;
      const count = await app.countStatements(async () => {
        const { body } = await read(viewer, { filter: WINDOW(), first });
        expect(body.errors).toBeUndefined();
        edges = body.data.auditEvents.edges.length;
      });
      expect(edges).toBe(first);
      return count;
    };
    for (const viewer of ['superAdmin', 'acmeAdmin'] as const) {
      // A first request of the viewer's session, so that no background touch of its session falls into the counts.
      await statementsFor(10, viewer);
      const forTen = await statementsFor(10, viewer);
      const forHundred = viewer === 'acmeAdmin' ? await statementsFor(60, viewer) : await statementsFor(100, viewer);
      expect([viewer, forHundred]).toEqual([viewer, forTen]);
      // The viewer; the page; the companies; the actors (and, for an admin, the actors' grants, for their visibility).
      expect([viewer, forTen]).toEqual([viewer, viewer === 'superAdmin' ? 4 : 5]);
    }
  });
});

describe('audit events cannot be changed', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildGatewaySchema();
  });

  it('has no mutation that names, takes or returns an audit event', () => {
    const auditTypes = new Set(Object.keys(schema.getTypeMap()).filter((name) => /audit/i.test(name)));
    expect(auditTypes).toEqual(
      new Set(['AuditEvent', 'AuditEventConnection', 'AuditEventEdge', 'AuditEventFilter', 'AuditEventOrder']),
    );
    const reachesAudit = (type: GraphQLType, seen = new Set<string>()): boolean => {
      const named = getNamedType(type);
      if (auditTypes.has(named.name)) return true;
      if (!isInputObjectType(named) || seen.has(named.name)) return false;
      seen.add(named.name);
      return Object.values(named.getFields()).some((field) => reachesAudit(field.type, seen));
    };
    const offending = Object.values(schema.getMutationType()!.getFields()).filter(
      (field) => /audit/i.test(field.name) || reachesAudit(field.type) || field.args.some((arg) => reachesAudit(arg.type)),
    );
    expect(offending.map((field) => field.name)).toEqual([]);
  });

  it('refuses an update or a delete of an event in the database itself', async () => {
    const knex = app.orm.em.getConnection().getKnex();
    await expect(knex.raw(`update audit_events set action = 'forged' where id = ?`, [trail[0].id])).rejects.toThrow(
      /append-only/,
    );
    await expect(knex.raw('delete from audit_events')).rejects.toThrow(/append-only/);
    expect(await idsFor('superAdmin')).toContain(trail[0].id);
  });
});

// Last: the event it adds would change what the tests above expect.
describe('auditEvents: keyset pages while the trail grows', () => {
  it('keeps its place when newer events arrive between pages', async () => {
    const first = await read('superAdmin', { filter: WINDOW(), first: 10 });
    // A newer event inside the window (its id is above every fixture's) does not shift the next page.
    await insertAuditEvents(app, [
      { ...fixtureTrail(world, 1)[0], occurredAt: new Date(fixtureEnd(EVENTS).getTime() - 1), action: 'late.event' },
    ]);
    const next = await read('superAdmin', { filter: WINDOW(), first: 10, after: first.body.data.auditEvents.pageInfo.endCursor });
    expect(next.body.data.auditEvents.edges.map((edge: any) => Number(edge.node.id))).toEqual(expected(() => true).slice(10, 20));
  });
});
