import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentId } from '../src/graphql/trusted-documents';
import { PASSWORD } from './helpers/fixtures';
import { publishEvents, subscribe, TRANSPORTS, waitForListeners } from './helpers/live';
import { useTestWorld } from './helpers/setup';

/**
 * GRAPHQL_TRUSTED_DOCUMENTS set: only the manifest's documents (by id or identical text) and the
 * REST layer's run, on /graphql, graphql-ws and graphql-sse; anything else is refused before it runs.
 */
const ME = 'query Me { me { id email } }';
const EVENTS = 'subscription CompanyEvents($c: ID!) { events(companyId: $c) { type payload } }';
/** client-preset lets a project choose its ids: they need not be the text's sha256. */
const CUSTOM_ID = 'me-v2';
const ME_V2 = 'query MeV2 { me { email } }';
const UNTRUSTED = '{ me { id } }';

const manifestFile = join(mkdtempSync(join(tmpdir(), 'trusted-documents-')), 'persisted-documents.json');
writeFileSync(manifestFile, JSON.stringify({ [documentId(ME)]: ME, [documentId(EVENTS)]: EVENTS, [CUSTOM_ID]: ME_V2 }));

const { app, world } = useTestWorld({ GRAPHQL_TRUSTED_DOCUMENTS: manifestFile });
const auth = () => ({ authorization: `Bearer ${world.token('acmeAdmin')}` });
const post = (body: Record<string, unknown>) => app.request('POST', '/graphql', { body, headers: auth() });
const get = (params: Record<string, string>) =>
  app.request('GET', `/graphql?${new URLSearchParams(params)}`, { headers: { ...auth(), 'apollo-require-preflight': 'true' } });
const apq = (id: string) => ({ persistedQuery: { version: 1, sha256Hash: id } });
const MY_ID = () => String(world.users.acmeAdmin.id);

describe('/graphql with a trusted-documents manifest', () => {
  it('runs a document by its documentId (POST and GET), its APQ hash alone, or its identical text', async () => {
    const expected = { data: { me: { id: MY_ID(), email: 'acmeadmin@example.com' } } };
    expect((await post({ documentId: documentId(ME) })).body).toEqual(expected);
    expect((await get({ documentId: documentId(ME) })).body).toEqual(expected);
    expect((await post({ extensions: apq(documentId(ME)) })).body).toEqual(expected);
    expect((await get({ extensions: JSON.stringify(apq(documentId(ME))) })).body).toEqual(expected);
    expect((await post({ query: ME })).body).toEqual(expected);
  });

  it('runs a document by an id of the manifest that is not its sha256, as documentId or APQ hash', async () => {
    const expected = { data: { me: { email: 'acmeadmin@example.com' } } };
    expect((await post({ documentId: CUSTOM_ID })).body).toEqual(expected);
    expect((await post({ extensions: apq(CUSTOM_ID) })).body).toEqual(expected);
  });

  it('refuses any other text with OPERATION_NOT_TRUSTED (403), also sent with its APQ hash, which it does not register', async () => {
    const refused = await post({ query: UNTRUSTED });
    expect(refused.status).toBe(403);
    expect(refused.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'OPERATION_NOT_TRUSTED' } })]);
    expect(refused.body.data).toBeUndefined();

    const withHash = await post({ query: UNTRUSTED, extensions: apq(documentId(UNTRUSTED)) });
    expect(withHash.status).toBe(403);
    const hashAlone = await post({ extensions: apq(documentId(UNTRUSTED)) });
    expect(hashAlone.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('refuses a text that differs from a trusted one only by whitespace: identical means identical', async () => {
    expect((await post({ query: `${ME} ` })).status).toBe(403);
  });

  it('answers an unknown documentId with PERSISTED_QUERY_NOT_FOUND (404), an unknown APQ hash as the APQ protocol does (200)', async () => {
    const unknown = await post({ documentId: 'f'.repeat(64) });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } })]);
    expect((await get({ documentId: 'nope' })).status).toBe(404);

    const unknownHash = await post({ extensions: apq('f'.repeat(64)) });
    expect(unknownHash.status).toBe(200);
    expect(unknownHash.body.errors[0]).toMatchObject({
      message: 'PersistedQueryNotFound',
      extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' },
    });
  });

  it('refuses a documentId sent with a query, or that is not a string (BAD_USER_INPUT)', async () => {
    const both = await post({ documentId: documentId(ME), query: ME });
    expect(both.status).toBe(400);
    expect(both.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await post({ documentId: 42 })).body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('refuses introspection that is not in the manifest', async () => {
    const refused = await post({ query: '{ __schema { queryType { name } } }' });
    expect(refused.body.errors[0].extensions.code).toBe('OPERATION_NOT_TRUSTED');
  });
});

describe('the REST layer with a trusted-documents manifest', () => {
  it('keeps answering: its own documents are trusted (login, a list, a stream)', async () => {
    const login = await app.request('POST', '/api/v1/users/login', {
      body: { email: 'acmeadmin@example.com', password: PASSWORD },
    });
    expect(login.status).toBe(200);
    const users = await app.request('GET', '/api/v1/users', { headers: { authorization: `Bearer ${login.body.token}` } });
    expect(users.status).toBe(200);
    const audit = await app.request('GET', '/api/v1/audit_events/export', {
      headers: { authorization: `Bearer ${login.body.token}` },
    });
    expect(audit.status).toBe(200);
  });
});

describe.each(TRANSPORTS)('subscriptions over %s with a trusted-documents manifest', (transport) => {
  it('refuses an untrusted subscription with OPERATION_NOT_TRUSTED before it starts', async () => {
    const live = subscribe(app, transport, 'subscription { events(companyId: 1) { type } }', {}, world.token('acmeAdmin'));
    const ending = await live.ended;
    if (transport === 'ws')
      expect(ending).toEqual({ kind: 'errors', codes: ['OPERATION_NOT_TRUSTED'], messages: [expect.any(String)] });
    else expect(ending).toEqual({ kind: 'http', status: 403 });
  });

  it('runs a trusted subscription sent by its text, and one sent by its id', async () => {
    const c = String(world.companies.acme);
    const byText = subscribe(app, transport, EVENTS, { c }, world.token('acmeAdmin'));
    // graphql-sse keeps only query, variables, operationName and extensions: the APQ hash names it there.
    const reference = transport === 'ws' ? { documentId: documentId(EVENTS) } : { extensions: apq(documentId(EVENTS)) };
    const byId = subscribe(app, transport, '', { c }, world.token('acmeAdmin'), { field: 'events', ...reference });
    await waitForListeners(app, 'events', 2);
    await publishEvents(app, [{ type: 'user.created', companyId: world.companies.acme, payload: { n: 1 } }]);
    expect(await byText.waitForValues(1)).toEqual([{ type: 'user.created', payload: { n: 1 } }]);
    expect(await byId.waitForValues(1)).toEqual([{ type: 'user.created', payload: { n: 1 } }]);
    byText.stop();
    byId.stop();
  });

  it('answers an unknown id with PERSISTED_QUERY_NOT_FOUND', async () => {
    const live = subscribe(app, transport, '', {}, world.token('acmeAdmin'), {
      field: 'events',
      extensions: apq('f'.repeat(64)),
    });
    const ending = await live.ended;
    if (transport === 'ws') expect(ending).toMatchObject({ kind: 'errors', codes: ['PERSISTED_QUERY_NOT_FOUND'] });
    else expect(ending).toEqual({ kind: 'http', status: 404 });
  });
});
