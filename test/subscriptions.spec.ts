import { base64Of } from './helpers/uploads';
import { START_IMPORT } from './helpers/documents';
import { useTestWorld } from './helpers/setup';
import { buildWorld } from './helpers/fixtures';
import { startTestApp } from './helpers/test-app';
import { sessionToken } from './helpers/sessions';
import { publishEvents, subscribe, TRANSPORTS, waitForListeners } from './helpers/live';
import { waitForImport } from './helpers/imports';

const IMPORT_PROGRESS = 'subscription($id: ID!) { importProgress(id: $id) { id status processedRows totalRows createdCount } }';
const EVENTS =
  'subscription($c: ID!, $t: [String!]) { events(companyId: $c, types: $t) { id type companyId occurredAt payload } }';
const CREATE_KEY = 'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }';

const csv = (rows: number) =>
  Buffer.from(
    [
      'email,first_name,last_name',
      ...Array.from({ length: rows }, (_, i) => `live${Date.now()}-${i}@example.com,Live,Row${i}`),
    ].join('\n') + '\n',
  );

describe('subscriptions (graphql-ws on /graphql, graphql-sse on /graphql/stream)', () => {
  const { app, world } = useTestWorld({ IMPORT_BATCH_SIZE: '1', SUBSCRIPTION_RECHECK_MS: '200' });
  const c = (key: keyof typeof world.companies) => String(world.companies[key]);

  describe.each(TRANSPORTS)('over %s', (transport) => {
    it('importProgress streams a real CSV import until its final status, then completes', async () => {
      const started = await app.graphql(
        START_IMPORT,
        { c: c('acme'), b: base64Of(csv(6), 'live.csv', 'text/csv') },
        world.token('acmeAdmin'),
      );
      const id = started.body.data.startImport.id;
      const live = subscribe(app, transport, IMPORT_PROGRESS, { id }, world.token('acmeAdmin'));
      expect(await live.ended).toEqual({ kind: 'complete' });
      expect(await waitForImport(app, id)).toBe('completed');
      const last = live.values.at(-1);
      expect(last).toMatchObject({ id, status: 'COMPLETED', processedRows: 6, totalRows: 6, createdCount: 6 });
      // Every value is the import as it was then: the counters never go back.
      const processed = live.values.map((value) => value.processedRows);
      expect([...processed].sort((a, b) => a - b)).toEqual(processed);
    });

    it('importProgress answers NOT_FOUND for an import the viewer cannot see', async () => {
      const started = await app.graphql(
        START_IMPORT,
        { c: c('acme'), b: base64Of(csv(1), 'x.csv', 'text/csv') },
        world.token('acmeAdmin'),
      );
      const live = subscribe(
        app,
        transport,
        IMPORT_PROGRESS,
        { id: started.body.data.startImport.id },
        world.token('globexAdmin'),
      );
      expect(await live.ended).toMatchObject({ kind: 'errors', codes: ['NOT_FOUND'] });
    });

    it('events hears the events of the tree of its company only, of the given types', async () => {
      const live = subscribe(
        app,
        transport,
        EVENTS,
        { c: c('acmeEast'), t: ['user.created', 'access.granted'] },
        world.token('acmeAdmin'),
      );
      await waitForListeners(app, 'events', 1);
      await publishEvents(app, [
        { type: 'user.created', companyId: world.companies.acmeEastLab, payload: { n: 1 } },
        { type: 'user.created', companyId: world.companies.acme, payload: { n: 2 } },
        { type: 'user.created', companyId: world.companies.globex, payload: { n: 3 } },
        { type: 'company.created', companyId: world.companies.acmeEast, payload: { n: 4 } },
        { type: 'user.created', companyId: null, payload: { n: 5 } },
        { type: 'access.granted', companyId: world.companies.acmeEast, payload: { n: 6 } },
      ]);
      const values = await live.waitForValues(2);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(values.map((value) => [value.type, value.companyId, value.payload])).toEqual([
        ['user.created', c('acmeEastLab'), { n: 1 }],
        ['access.granted', c('acmeEast'), { n: 6 }],
      ]);
      expect(values[0].occurredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      live.stop();
    });

    it.each([
      ['anonymous', 'acmeEast', transport === 'ws' ? { kind: 'closed', code: 4401 } : { kind: 'http', status: 401 }],
      ['eastMember', 'acmeEast', { kind: 'errors', codes: ['FORBIDDEN'] }],
      ['eastManager', 'acmeEast', { kind: 'errors', codes: ['FORBIDDEN'] }],
      ['globexAdmin', 'acme', { kind: 'errors', codes: ['NOT_FOUND'] }],
      ['labMember', 'acmeEast', { kind: 'errors', codes: ['NOT_FOUND'] }],
    ] as const)('events refuses %s in %s', async (actor, company, expected) => {
      const live = subscribe(app, transport, EVENTS, { c: c(company) }, world.tokenOf(actor));
      expect(await live.ended).toMatchObject(expected);
    });

    it('events refuses unknown types (BAD_USER_INPUT) and operations that are not subscriptions', async () => {
      const unknown = subscribe(
        app,
        transport,
        EVENTS,
        { c: c('acme'), t: ['user.created', 'user.exploded'] },
        world.token('acmeAdmin'),
      );
      expect(await unknown.ended).toMatchObject({ kind: 'errors', codes: ['BAD_USER_INPUT'] });
      const query = subscribe(app, transport, '{ me { id } }', {}, world.token('acmeAdmin'));
      // graphql-sse refuses an operation before its stream opens: 400 with the errors as JSON.
      expect(await query.ended).toMatchObject(
        transport === 'ws' ? { kind: 'errors', codes: ['BAD_USER_INPUT'] } : { kind: 'http', status: 400 },
      );
    });

    it('an API key may subscribe when its access is admin, not as a member', async () => {
      const key = async (access: 'admin' | 'member') => {
        const created = await app.graphql(
          CREATE_KEY,
          { input: { companyId: c('acmeEast'), accessId: String(world.accessIds[access]), name: `live ${transport} ${access}` } },
          world.token('acmeAdmin'),
        );
        return created.body.data.createApiKey.secret as string;
      };
      const member = subscribe(app, transport, EVENTS, { c: c('acmeEast') }, await key('member'));
      expect(await member.ended).toMatchObject({ kind: 'errors', codes: ['FORBIDDEN'] });
      const admin = subscribe(app, transport, EVENTS, { c: c('acmeEast') }, await key('admin'));
      await waitForListeners(app, 'events', 1);
      await publishEvents(app, [{ type: 'user.updated', companyId: world.companies.acmeEastLab, payload: { key: true } }]);
      expect((await admin.waitForValues(1))[0]).toMatchObject({ type: 'user.updated', payload: { key: true } });
      admin.stop();
    });

    it('ends once its session is revoked (logout over HTTP), within the re-check interval', async () => {
      const token = await sessionToken(app, world.users.acmeAdmin.id);
      const live = subscribe(app, transport, EVENTS, { c: c('acme') }, token);
      await waitForListeners(app, 'events', 1);
      const logout = await app.graphql('mutation { logout }', {}, token);
      expect(logout.body.data.logout).toBe(true);
      const revokedAt = Date.now();
      const ending = await live.ended;
      expect(Date.now() - revokedAt).toBeLessThan(3000);
      expect(ending).toMatchObject(
        transport === 'ws' ? { kind: 'closed', code: 4401 } : { kind: 'errors', codes: ['UNAUTHENTICATED'] },
      );
    });
  });
});

describe('subscriptions at shutdown', () => {
  it('closes every WebSocket with 1001 (going away), not with the code of an error', async () => {
    const app = await startTestApp();
    let closed = false;
    try {
      const world = await buildWorld(app);
      const live = subscribe(app, 'ws', EVENTS, { c: String(world.companies.acme) }, world.token('acmeAdmin'));
      await waitForListeners(app, 'events', 1);
      await app.close();
      closed = true;
      expect(await live.ended).toMatchObject({ kind: 'closed', code: 1001 });
    } finally {
      if (!closed) await app.close();
    }
  });
});
