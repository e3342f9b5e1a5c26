import { getIntrospectionQuery } from 'graphql';
import { MAX_PAGE_SIZE } from '../../src/graphql/connection';
import { Access } from '../../src/modules/access/access.entity';
import { User } from '../../src/modules/user/user.entity';
import { gifBytes, multipartGraphql } from '../helpers/uploads';
import { expectGraphqlRefusal } from './security-helpers';
import { useTestWorld } from '../helpers/setup';
import { BENCH_QUERY } from '../helpers/documents';
import { expectFieldError } from '../helpers/expect';

/** Depth 12: users edges node companies members edges node companies members edges node id. */
const DEEP = `users(first: 1) { edges { node { companies { members(first: 1) { edges { node {
  companies { members(first: 1) { edges { node { id } } } } } } } } } } }`;
/** 100 users × their companies × 100 members each: cheap to write, expensive to answer. */
const nestedPages = (outer: string, inner: string) =>
  `{ users${outer} { edges { node { companies { members${inner} { edges { node { id email } } } } } } } }`;
const NESTED_PAGES = `query Nested($outer: Int, $inner: Int) ${nestedPages('(first: $outer)', '(first: $inner)')}`;
const aliases = (count: number, field: string) => Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ');
/** `document` followed by a comment, `bytes` long in UTF-8 (a comment is no token: only the size limit sees it). */
const padded = (document: string, bytes: number, filler = 'x') =>
  `${document}\n#${filler.repeat(Math.floor((bytes - Buffer.byteLength(document) - 2) / Buffer.byteLength(filler)))}`;

describe('GraphQL abuse limits (development defaults)', () => {
  const { app, world } = useTestWorld();

  const gql = (query: string, variables?: Record<string, unknown>) => app.graphql(query, variables, world.token('superAdmin'));

  it('lets the benchmark query through at its largest page, and the REST list route at per_page=100', async () => {
    // The contract's benchmark query must keep passing every limit at its largest page.
    const bench = await gql(BENCH_QUERY, { first: MAX_PAGE_SIZE });
    expect(bench.body.errors).toBeUndefined();
    expect(bench.body.data.users.totalCount).toBeGreaterThan(0);
    const rest = await app.request('GET', '/api/v1/users?per_page=100', {
      headers: world.headers('superAdmin'),
    });
    expect(rest.status).toBe(200);
  });

  it.each([
    ['anonymous', `{ ${DEEP} }`],
    ['named like introspection', `query IntrospectionQuery { ${DEEP} }`],
    ['written with fragments', `query { ...Q } fragment Q on Query { ${DEEP} }`],
  ])('refuses a query deeper than 10 (%s) with 400 BAD_USER_INPUT', async (_label, query) => {
    const result = await gql(query);
    expectGraphqlRefusal(result, 400, 'BAD_USER_INPUT', /depth limit of 10/);
  });

  it('lets the standard introspection query through, but no deeper __schema selection, aliased or not', async () => {
    const introspection = await gql(getIntrospectionQuery());
    expect(introspection.body.errors).toBeUndefined();
    expect(introspection.body.data.__schema.queryType.name).toBe('Query');
    const ofType = (levels: number): string => (levels === 0 ? 'name' : `ofType { ${ofType(levels - 1)} }`);
    const deep = await gql(`{ a: __schema { types { fields { type { ${ofType(12)} } } } } }`);
    expectGraphqlRefusal(deep, 400, 'BAD_USER_INPUT', /depth limit of 15/);
  });

  it.each([
    ['on fields', `{ ${aliases(16, 'me { id }')} }`],
    ['inside an aliased __schema', `{ s: __schema { ${aliases(16, 'queryType { name }')} } }`],
  ])('refuses more than 15 aliases %s', async (_label, query) => {
    expectGraphqlRefusal(await gql(query), 400, 'BAD_USER_INPUT', /Aliases limit of 15/);
    expect((await gql(`{ ${aliases(15, 'me { id }')} }`)).body.errors).toBeUndefined();
  });

  it('refuses more than 10 directives', async () => {
    const directives = Array.from({ length: 11 }, () => '@include(if: true)').join(' ');
    expectGraphqlRefusal(
      await gql(`query IntrospectionQuery { me { id ${directives} } }`),
      400,
      'BAD_USER_INPUT',
      /Directives limit/,
    );
  });

  it('refuses a document of more than 1000 tokens, and a syntax error, with 400', async () => {
    const result = await gql(`{ me { ${Array.from({ length: 1001 }, () => 'id').join(' ')} } }`);
    expectGraphqlRefusal(result, 400, 'BAD_USER_INPUT', /more tha[nt] 1000 tokens/);
    expectGraphqlRefusal(await gql('{ me { id }'), 400, 'BAD_USER_INPUT', /Syntax Error/);
  });

  it.each([
    ['page sizes written in the document', nestedPages('(first: 100)', '(first: 100)'), {}],
    ['page sizes passed as variables', NESTED_PAGES, { outer: 100, inner: 100 }],
    ['the inner page size left to its default (25)', nestedPages('(first: 100)', ''), {}],
  ])('refuses nested pages over the cost limit: %s', async (_label, query, variables) => {
    expectGraphqlRefusal(await gql(query, variables), 400, 'BAD_USER_INPUT', /Cost limit of 150000/);
  });

  it('lets the same nested query through with small pages', async () => {
    const result = await gql(NESTED_PAGES, { outer: 5, inner: 5 });
    expect(result.body.errors).toBeUndefined();
  });

  it('judges each request of one document by its own page sizes (verdicts are kept per document and sizes)', async () => {
    const sent = [
      { outer: 100, inner: 100 },
      { outer: 5, inner: 5 },
      { outer: 100, inner: 100 },
      { outer: 5, inner: 100 },
      { outer: 5, inner: 5 },
    ];
    const refused = [];
    for (const variables of sent) refused.push(Boolean((await gql(NESTED_PAGES, variables)).body.errors));
    expect(refused).toEqual([true, false, true, false, false]);
  });

  it.each([
    ['users', `{ users(first: ${MAX_PAGE_SIZE + 1}) { totalCount } }`],
    ['companies', `{ companies(first: ${MAX_PAGE_SIZE + 1}) { totalCount } }`],
    ['importFiles', `{ importFiles(first: ${MAX_PAGE_SIZE + 1}) { totalCount } }`],
    ['Company.members', `{ companies(first: 1) { edges { node { members(first: ${MAX_PAGE_SIZE + 1}) { totalCount } } } } }`],
  ])(`caps the page size of %s at ${MAX_PAGE_SIZE}, naming first`, async (_label, query) => {
    expectFieldError(await gql(query), 'first');
  });

  it('caps the grants of one addUserAccesses/setUserAccesses call at 50, on both transports, writing nothing', async () => {
    const member = await app.orm.em.fork().findOneOrFail(Access, { key: 'member' });
    const grants = Array.from({ length: 51 }, () => ({ companyId: String(world.companies.acme), accessId: String(member.id) }));
    const target = world.users.globexAdmin.id;
    for (const mutation of ['addUserAccesses', 'setUserAccesses']) {
      const { body } = await gql(`mutation($u: ID!, $g: [UserAccessInput!]!) { ${mutation}(userId: $u, accesses: $g) { id } }`, {
        u: String(target),
        g: grants,
      });
      expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    const rest = await app.request('POST', `/api/v1/users/${target}/user_accesses`, {
      body: { user_accesses: grants.map(() => ({ company_id: world.companies.acme, access_id: member.id })) },
      headers: world.headers('superAdmin'),
    });
    expect(rest.status).toBe(400);
    const [{ count }] = await app.orm.em
      .getConnection()
      .execute('select count(*)::int as count from user_accesses where user_id = ?', [target]);
    expect(count).toBe(1);
  });

  it('refuses a document over 64 KiB with 413 before parsing it, while a larger body of variables passes', async () => {
    const me = '{ me { id } }';
    expect((await gql(padded(me, 65_536))).body.data.me.id).toBe(String(world.users.superAdmin.id));
    expectGraphqlRefusal(await gql(padded(me, 65_537)), 413, 'PAYLOAD_TOO_LARGE', /larger than 65536 bytes/);
    // Measured in UTF-8 bytes: 33,000 two-byte characters are over the limit.
    expectGraphqlRefusal(await gql(padded(me, 66_000, 'é')), 413, 'PAYLOAD_TOO_LARGE');
    const variables = await gql(me, { unused: 'x'.repeat(200_000) });
    expect(variables.status).toBe(200);
    expect(variables.body.data.me.id).toBe(String(world.users.superAdmin.id));
  });

  it('shows "did you mean" suggestions in development', async () => {
    const { body } = await gql('{ mee { id } }');
    expect(body.errors[0].message).toMatch(/Did you mean "me"/);
  });

  it('runs one operation per HTTP request: a batch is refused (Apollo default, kept explicitly)', async () => {
    const batch = await app.request('POST', '/graphql', {
      body: [{ query: '{ me { id } }' }, { query: '{ me { email } }' }],
      headers: world.headers('superAdmin'),
    });
    expect(batch.status).toBe(400);
    expect(batch.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(batch.body)).not.toContain('superadmin@example.com');
  });

  // No preflight header: what a cross-site link or urql's default GET sends.
  it('never runs a mutation sent with GET (405, nothing changed), while a GET query works', async () => {
    const headers = world.headers('eastMember');
    const mutation = encodeURIComponent('mutation { completeOnboarding { id onboardingCompletedAt } }');
    const refused = await app.request('GET', `/graphql?query=${mutation}`, { headers });
    expect(refused.status).toBe(405);
    expect(refused.headers.get('allow')).toBe('POST');
    expect(refused.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const user = await app.orm.em.fork().findOneOrFail(User, world.users.eastMember.id);
    expect(user.onboardingCompletedAt ?? null).toBeNull();
    const query = await app.request('GET', `/graphql?query=${encodeURIComponent('{ me { id } }')}`, { headers });
    expect(query.body.data.me.id).toBe(String(world.users.eastMember.id));
  });
});

describe('GraphQL abuse limits in production, and on the REST routes', () => {
  const { app, world } = useTestWorld({ NODE_ENV: 'production', GRAPHQL_MAX_COST: '1000' });

  const gql = (query: string) => app.graphql(query, {}, world.token('superAdmin'));

  it.each([
    ['__schema', '{ __schema { types { name } } }'],
    ['__schema aliased', '{ a: __schema { queryType { name } } }'],
    ['__type', '{ __type(name: "User") { fields { name } } }'],
    ['the standard introspection query', getIntrospectionQuery()],
  ])('refuses introspection (%s)', async (_label, query) => {
    const result = await gql(query);
    expectGraphqlRefusal(result, 400, 'BAD_USER_INPUT', /introspection/i);
    expect(JSON.stringify(result.body)).not.toMatch(/UserAccess|Membership/);
  });

  it('refuses _service, the Federation subgraph SDL, which would describe the schema as introspection does', async () => {
    const result = await gql('{ _service { sdl } }');
    expectGraphqlRefusal(result, 400, 'BAD_USER_INPUT', /subgraph SDL.*schema\/subgraph\.graphql/);
    expect(JSON.stringify(result.body)).not.toMatch(/UserAccess|Membership/);
  });

  it('hides "did you mean" suggestions, which would describe the schema', async () => {
    const { body } = await gql('{ mee { id } usr(id: 1) { id } }');
    expect(body.errors.length).toBeGreaterThan(0);
    expect(JSON.stringify(body)).not.toMatch(/Did you mean|"me"|"user"|"users"/);
  });

  it('measures a REST route with its own variables: per_page=100 is over a cost limit of 1000, per_page=5 is not', async () => {
    const headers = world.headers('superAdmin');
    const large = await app.request('GET', '/api/v1/users?per_page=100', { headers });
    expect(large.status).toBe(400);
    expect(large.body.error).toEqual({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/Cost limit of 1000/) });
    expect((await app.request('GET', '/api/v1/users?per_page=5', { headers })).status).toBe(200);
  });
});

describe('GraphQL document size, GRAPHQL_MAX_DOCUMENT_BYTES=2048, on every way of sending a document', () => {
  const { app, world } = useTestWorld({ GRAPHQL_MAX_DOCUMENT_BYTES: '2048' });

  const headers = () => ({ ...world.headers('westMember'), 'apollo-require-preflight': 'true' });
  const post = (query: string) => app.request('POST', '/graphql', { body: { query }, headers: headers() });
  const get = (query: string) => app.request('GET', `/graphql?query=${encodeURIComponent(query)}`, { headers: headers() });

  it.each([
    ['POST, JSON', post],
    ['GET, in the URL', get],
  ])('%s: 2048 bytes pass, 2049 are refused with 413 PAYLOAD_TOO_LARGE', async (_label, send) => {
    expect((await send(padded('{ me { id } }', 2048))).body.data.me.id).toBe(String(world.users.westMember.id));
    expectGraphqlRefusal(await send(padded('{ me { id } }', 2049)), 413, 'PAYLOAD_TOO_LARGE', /larger than 2048 bytes/);
  });

  it('multipart (an upload): refused with 413 before the operation runs', async () => {
    const upload = `mutation($userId: ID!, $file: Upload) { uploadUserAvatar(userId: $userId, file: $file) { id avatarUrl } }`;
    const userId = String(world.users.westMember.id);
    const options = { token: world.token('westMember'), fileName: 'me.gif', fileType: 'image/gif' };
    const refused = await multipartGraphql(app, padded(upload, 2049), { userId, file: null }, gifBytes(), options);
    expectGraphqlRefusal({ ...refused, headers: new Headers() }, 413, 'PAYLOAD_TOO_LARGE');
    const user = await app.orm.em.fork().findOneOrFail(User, world.users.westMember.id);
    expect(user.avatarKey ?? null).toBeNull();
    const accepted = await multipartGraphql(app, padded(upload, 2048), { userId, file: null }, gifBytes(), options);
    expect(accepted.body.data.uploadUserAvatar.avatarUrl).toEqual(expect.any(String));
  });
});
