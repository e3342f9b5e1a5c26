import { FIXTURE_START, fixtureEnd, fixtureTrail, type InsertedEvent, insertAuditEvents } from '../helpers/audit-events';
import type { Actor } from '../helpers/fixtures';
import { expectErrorBody, expectShape, type Shape } from './contract-shapes';
import { restClient, useContractWorld } from './contract-app';
import { pollUntil } from '../helpers/wait';
import { describeRoute } from './describe-route';

/** Retention off: the fixture trail is dated 2025 and must stay put while the tests read it. */
const { app, world } = useContractWorld({ AUDIT_RETENTION_DAYS: '0' });
const call = restClient(app, world);

const AUDIT_EVENT: Shape = {
  id: 'number',
  occurred_at: 'time',
  action: 'string',
  target_type: 'string',
  target_id: 'string|null',
  company_id: 'number|null',
  actor_user_id: 'number|null',
  actor_api_key_id: 'number|null',
  changes: 'object|null',
  request_id: 'string|null',
  client_ip: 'string|null',
  user_agent: 'string|null',
};

const EVENTS = 140;
let trail: InsertedEvent[];
const window = () =>
  `from=${encodeURIComponent(FIXTURE_START.toISOString())}&to=${encodeURIComponent(fixtureEnd(EVENTS).toISOString())}`;
const acmeTree = () => [world.companies.acme, world.companies.acmeEast, world.companies.acmeEastLab];

/** The bulk trail of the streaming tests: its own days, all in Acme. */
const BULK = 20_000;
const BULK_FROM = '2025-06-01T00:00:00Z';
const BULK_TO = '2025-06-02T00:00:00Z';

beforeAll(async () => {
  trail = await insertAuditEvents(app, fixtureTrail(world, EVENTS));
  await app.orm.em
    .getConnection()
    .getKnex()
    .raw(
      `insert into audit_events (occurred_at, actor_user_id, action, target_type, target_id, company_id, changes, request_id, client_ip, user_agent)
       select ?::timestamptz + g * interval '1 second', ?, 'user.update', 'user', g::text, ?,
              jsonb_build_object('lastName', jsonb_build_object('old', 'Old ' || g, 'new', 'New ' || g)),
              'bulk-' || g, '198.51.100.7', 'bulk-agent/1.0'
         from generate_series(1, ?::int) g`,
      [BULK_FROM, world.users.acmeAdmin.id, world.companies.acme, BULK],
    );
});

const idsOf = (events: { id: number }[]) => events.map((event) => event.id);
const expected = (keep: (event: InsertedEvent) => boolean) => idsOf(trail.filter(keep)).sort((a, b) => b - a);

describeRoute('GET', '/audit_events', () => {
  it('answers {audit_events, meta} newest first, each event in the legacy shape', async () => {
    const { status, body } = await call('GET', `/audit_events?${window()}&limit=1000`, 'superAdmin');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['audit_events', 'meta']);
    expect(body.meta).toEqual({ limit: 1000, next_cursor: null });
    expect(idsOf(body.audit_events)).toEqual(expected(() => true));
    for (const event of body.audit_events) expectShape(event, AUDIT_EVENT);
    const sample = trail.find((event) => event.changes && event.companyId === world.companies.globex && event.actorUserId)!;
    expect(body.audit_events.find((event: any) => event.id === sample.id)).toEqual({
      id: sample.id,
      occurred_at: sample.occurredAt.toISOString(),
      action: sample.action,
      target_type: sample.targetType,
      target_id: sample.targetId,
      company_id: world.companies.globex,
      actor_user_id: sample.actorUserId,
      actor_api_key_id: null,
      changes: sample.changes,
      request_id: sample.requestId,
      client_ip: sample.clientIp,
      user_agent: sample.userAgent,
    });
  });

  it('pages with limit and cursor (meta.next_cursor), in a stable order without repeats', async () => {
    const ids: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { status, body }: { status: number; body: any } = await call(
        'GET',
        `/audit_events?${window()}&limit=30${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        'acmeAdmin',
      );
      expect(status).toBe(200);
      expect(body.meta.limit).toBe(30);
      ids.push(...idsOf(body.audit_events));
      cursor = body.meta.next_cursor;
      pages += 1;
    } while (cursor);
    const readable = expected((event) => acmeTree().includes(event.companyId!));
    expect(ids).toEqual(readable);
    expect(pages).toBe(Math.ceil(readable.length / 30));
  });

  it('filters by company_id, actor_id, target_type, target_id, action, from and to (dates too)', async () => {
    const cases: [string, (event: InsertedEvent) => boolean][] = [
      [`company_id=${world.companies.acmeEast}`, (event) => event.companyId === world.companies.acmeEast],
      [`actor_id=${world.users.eastManager.id}`, (event) => event.actorUserId === world.users.eastManager.id],
      ['target_type=session&target_id=4', (event) => event.targetType === 'session' && event.targetId === '4'],
      ['action=company.create', (event) => event.action === 'company.create'],
    ];
    for (const [query, keep] of cases) {
      const { status, body } = await call('GET', `/audit_events?${window()}&limit=1000&${query}`, 'superAdmin');
      expect([query, status, idsOf(body.audit_events)]).toEqual([query, 200, expected(keep)]);
    }
    const from = trail[40].occurredAt;
    const to = trail[50].occurredAt;
    const ranged = await call('GET', `/audit_events?from=${from.toISOString()}&to=${to.toISOString()}&limit=1000`, 'superAdmin');
    expect(idsOf(ranged.body.audit_events)).toEqual(expected((event) => event.occurredAt >= from && event.occurredAt < to));
    // A date is its midnight UTC: the whole fixture trail is on 2025-03-01.
    const byDate = await call('GET', '/audit_events?from=2025-03-01&to=2025-03-02&limit=1000', 'superAdmin');
    expect(idsOf(byDate.body.audit_events)).toEqual(expected(() => true));
  });

  it.each<[Actor, number, string]>([
    ['anonymous', 401, 'UNAUTHENTICATED'],
    ['eastManager', 403, 'FORBIDDEN'],
    ['eastMember', 403, 'FORBIDDEN'],
  ])('refuses %s with %i', async (caller, status, code) => {
    const result = await call('GET', '/audit_events', caller);
    expect(result.status).toBe(status);
    expectErrorBody(result.body, code);
  });

  it("answers 404 for a company outside the caller's companies, 403 where it is not admin", async () => {
    const hidden = await call('GET', `/audit_events?company_id=${world.companies.acme}`, 'globexAdmin');
    expect(hidden.status).toBe(404);
    expectErrorBody(hidden.body, 'NOT_FOUND');
    const lowRank = await call('GET', `/audit_events?company_id=${world.companies.acmeEast}`, 'eastManager');
    expect(lowRank.status).toBe(403);
    expectErrorBody(lowRank.body, 'FORBIDDEN');
    const hiddenActor = await call('GET', `/audit_events?actor_id=${world.users.superAdmin.id}`, 'acmeAdmin');
    expect(hiddenActor.status).toBe(404);
  });

  it.each<[string, string]>([
    ['from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z', 'to'],
    [`action=${'a'.repeat(65)}`, 'action'],
    [`target_type=${'t'.repeat(33)}`, 'target_type'],
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ['company_id=acme', 'company_id'],
    ['from=yesterday', 'from'],
  ])('answers 400 naming the field for %s', async (query, field) => {
    const { status, body } = await call('GET', `/audit_events?${query}`, 'superAdmin');
    expect(status).toBe(400);
    expectErrorBody(body, 'BAD_USER_INPUT');
    expect(body.error.details).toEqual([expect.objectContaining({ field })]);
  });

  it('has no way to change or delete an event: other methods answer 405, other paths 404', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST']) {
      const result = await call(method, '/audit_events', 'superAdmin', method === 'DELETE' ? undefined : { action: 'forged' });
      expect([method, result.status, result.headers.get('allow')]).toEqual([method, 405, 'GET']);
      const onExport = await call(method, '/audit_events/export', 'superAdmin');
      expect([method, onExport.status]).toEqual([method, 405]);
      const onOne = await call(method, `/audit_events/${trail[0].id}`, 'superAdmin');
      expect([method, onOne.status]).toEqual([method, 404]);
    }
    const still = await call('GET', `/audit_events?${window()}&limit=1000`, 'superAdmin');
    expect(still.body.audit_events).toHaveLength(EVENTS);
  });
});

/** The export's lines, parsed (the contract app has already checked each against the document). */
const linesOf = (body: unknown): any[] =>
  typeof body === 'string'
    ? body
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))
    : [body];

describeRoute('GET', '/audit_events/export', () => {
  it('streams NDJSON, one event per line, oldest first, with the filters of the list', async () => {
    const { status, headers, body } = await call('GET', `/audit_events/export?${window()}`, 'superAdmin');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(typeof body).toBe('string');
    expect(body.endsWith('\n')).toBe(true);
    const lines = linesOf(body);
    expect(idsOf(lines)).toEqual(expected(() => true).reverse());
    for (const line of lines) expectShape(line, AUDIT_EVENT);
    // The same events as the list's, in the opposite order.
    const listed = await call('GET', `/audit_events?${window()}&limit=1000`, 'superAdmin');
    expect(lines).toEqual([...listed.body.audit_events].reverse());

    const ranged = await call(
      'GET',
      `/audit_events/export?from=${trail[10].occurredAt.toISOString()}&to=${trail[20].occurredAt.toISOString()}&action=user.update`,
      'superAdmin',
    );
    expect(idsOf(linesOf(ranged.body))).toEqual(idsOf(trail.slice(10, 20).filter((event) => event.action === 'user.update')));
  });

  it("exports an admin's companies only", async () => {
    const { status, body } = await call('GET', `/audit_events/export?${window()}`, 'acmeAdmin');
    expect(status).toBe(200);
    expect(idsOf(linesOf(body))).toEqual(expected((event) => acmeTree().includes(event.companyId!)).reverse());
  });

  it('answers an empty body when nothing matches', async () => {
    const { status, headers, body } = await call('GET', '/audit_events/export?from=2001-01-01&to=2001-01-02', 'superAdmin');
    expect([status, headers.get('content-type'), body]).toEqual([200, 'application/x-ndjson; charset=utf-8', '']);
  });

  it.each<[Actor, number, string]>([
    ['anonymous', 401, 'UNAUTHENTICATED'],
    ['eastMember', 403, 'FORBIDDEN'],
    ['eastManager', 403, 'FORBIDDEN'],
  ])('refuses %s with %i, as JSON, before any line', async (caller, status, code) => {
    const result = await call('GET', '/audit_events/export', caller);
    expect(result.status).toBe(status);
    expect(result.headers.get('content-type')).toMatch(/^application\/json/);
    expectErrorBody(result.body, code);
  });

  it('answers 404 for a hidden company and 400 naming the field for bad input, as JSON', async () => {
    const hidden = await call('GET', `/audit_events/export?company_id=${world.companies.globex}`, 'acmeAdmin');
    expect(hidden.status).toBe(404);
    expectErrorBody(hidden.body, 'NOT_FOUND');
    const reversed = await call('GET', '/audit_events/export?from=2025-03-02&to=2025-03-01', 'superAdmin');
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.details).toEqual([expect.objectContaining({ field: 'to' })]);
    const notADate = await call('GET', '/audit_events/export?to=soon', 'superAdmin');
    expect(notADate.status).toBe(400);
    expect(notADate.body.error.details).toEqual([expect.objectContaining({ field: 'to' })]);
  });

  it(`streams ${BULK.toLocaleString('en')} events in chunks, as they are read`, async () => {
    const response = await fetch(`${app.url}/api/v1/audit_events/export?from=${BULK_FROM}&to=${BULK_TO}`, {
      headers: world.headers('acmeAdmin'),
    });
    expect(response.status).toBe(200);
    // Sent as it goes: no length known in advance.
    expect(response.headers.get('content-length')).toBeNull();
    expect(response.headers.get('transfer-encoding')).toBe('chunked');
    const decoder = new TextDecoder();
    let chunks = 0;
    let text = '';
    for await (const chunk of response.body!) {
      chunks += 1;
      text += decoder.decode(chunk, { stream: true });
    }
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(BULK);
    expect(chunks).toBeGreaterThan(BULK / 1000);
    const ids = lines.map((line) => JSON.parse(line).id as number);
    expect(ids.every((id, index) => index === 0 || id > ids[index - 1])).toBe(true);
    expect(JSON.parse(lines[0])).toMatchObject({
      target_id: '1',
      company_id: world.companies.acme,
      actor_user_id: world.users.acmeAdmin.id,
    });
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ target_id: String(BULK) });
  });

  it('stops reading when the client goes away, and keeps answering', async () => {
    const aborted = new AbortController();
    const response = await fetch(`${app.url}/api/v1/audit_events/export?from=${BULK_FROM}&to=${BULK_TO}`, {
      headers: world.headers('acmeAdmin'),
      signal: aborted.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    aborted.abort();
    await reader.read().catch(() => undefined);
    // The server stops asking for pages: a tenth of a second without a statement.
    await pollUntil(
      async () => (await app.countStatements(() => new Promise((resolve) => setTimeout(resolve, 100)))) === 0,
      'the export to stop',
    );
    const after = await call('GET', `/audit_events?${window()}&limit=1`, 'superAdmin');
    expect(after.status).toBe(200);
  });
});
