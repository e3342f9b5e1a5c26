import { UserAccess } from '../../src/modules/access/user-access.entity';
import { Company } from '../../src/modules/company/company.entity';
import { User } from '../../src/modules/user/user.entity';
import { REST_ROUTES } from '../../src/rest/route-table';
import { PASSWORD, type World } from '../helpers/fixtures';
import { waitForImport } from '../helpers/imports';
import { expectErrorBody, expectShape, META } from './contract-shapes';
import { useContractWorld } from './contract-app';

/** The conventions every route of the contract shares, checked across the layer rather than per route. */

const { app, world } = useContractWorld({});
beforeAll(async () => {
  // One finished import, so the imports list has something to page (and no worker runs during the tests).
  const file = Buffer.from('email,first_name,last_name\nconv.import@example.com,Conv,Import\n').toString('base64');
  const { body } = await post('/imports', { company_id: world.companies.acme, name: 'c.csv', file_base64: file });
  await waitForImport(app, body.import_file.id);
});

const get = (path: string, headers: Record<string, string> = world.headers('acmeAdmin')) =>
  app.request('GET', `/api/v1${path}`, { headers });
function post(path: string, body: unknown, headers: Record<string, string> = world.headers('acmeAdmin')) {
  return app.request('POST', `/api/v1${path}`, { body, headers });
}

const counts = async () => {
  const em = app.orm.em.fork();
  return { users: await em.count(User, {}), grants: await em.count(UserAccess, {}), companies: await em.count(Company, {}) };
};

describe('authorization header', () => {
  it.each(['/users/validate_jwt', '/companies', '/imports', '/users/{eastManager}'])(
    'accepts "Bearer <jwt>" and a bare "<jwt>" alike on %s',
    async (template) => {
      const path = template.replace('{eastManager}', String(world.users.eastManager.id));
      // One token for both: two signed a second apart would answer different expiries.
      const token = world.token('acmeAdmin');
      const withBearer = await get(path, { authorization: `Bearer ${token}` });
      const bare = await get(path, { authorization: token });
      expect(withBearer.status).toBe(200);
      expect(bare.status).toBe(200);
      expect(bare.body).toEqual(withBearer.body);
    },
  );

  it.each([
    ['a bare garbage token', 'garbage'],
    ['a Bearer garbage token', 'Bearer garbage'],
    ['an empty Bearer', 'Bearer '],
    ['another scheme', `Basic ${Buffer.from('acmeadmin@example.com:x').toString('base64')}`],
  ])('answers 401 for %s', async (_case, authorization) => {
    const { status, body } = await get('/companies', { authorization });
    expect(status).toBe(401);
    expectErrorBody(body, 'UNAUTHENTICATED');
  });
});

describe.each([
  ['/users', 'users'],
  ['/companies', 'companies'],
  ['/imports', 'import_files'],
])('paging of %s', (path, plural) => {
  it('answers page 1 of 25 with the right meta by default, and pages through per_page', async () => {
    const first = await get(path);
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual(['meta', plural].sort());
    expectShape(first.body.meta, META);
    const total = first.body.meta.total;
    expect(total).toBeGreaterThan(0);
    expect(first.body.meta).toEqual({ page: 1, per_page: 25, total, total_pages: Math.ceil(total / 25) });
    expect(first.body[plural]).toHaveLength(Math.min(total, 25));

    const ids: number[] = [];
    for (let page = 1; page <= total; page += 1) {
      const { body } = await get(`${path}?page=${page}&per_page=1`);
      expect(body.meta).toEqual({ page, per_page: 1, total, total_pages: total });
      ids.push(...body[plural].map((item: { id: number }) => item.id));
    }
    expect(ids).toEqual(first.body[plural].map((item: { id: number }) => item.id));
  });

  it('answers a page past the end with 200, an empty list and the right meta', async () => {
    const { body: all } = await get(`${path}?per_page=100`);
    const { status, body } = await get(`${path}?page=50&per_page=2`);
    expect(status).toBe(200);
    expect(body).toEqual({
      [plural]: [],
      meta: { page: 50, per_page: 2, total: all.meta.total, total_pages: Math.ceil(all.meta.total / 2) },
    });
  });

  it.each(['per_page=0', 'per_page=101', 'per_page=-5', 'per_page=ten', 'page=0', 'page=-1', 'page=abc', 'page=1.5'])(
    'answers 400 for %s instead of clamping it',
    async (query) => {
      const { status, body } = await get(`${path}?${query}`);
      expect(status).toBe(400);
      expectErrorBody(body, 'BAD_USER_INPUT');
      expect(body.error.details).toEqual([{ field: query.split('=')[0], message: expect.any(String) }]);
    },
  );

  it('accepts the bounds per_page=1 and per_page=100', async () => {
    expect((await get(`${path}?per_page=1`)).body.meta.per_page).toBe(1);
    expect((await get(`${path}?per_page=100`)).body.meta.per_page).toBe(100);
  });
});

describe('request bodies', () => {
  const company = (name: string) => ({ name, parent_company_id: world.companies.acme });
  const raw = (body: string, contentType: string, path = '/companies') =>
    app.request('POST', `/api/v1${path}`, { body, headers: { ...world.headers('acmeAdmin'), 'content-type': contentType } });

  it('answers 400 for malformed JSON and for a JSON body that is not an object, writing nothing', async () => {
    const before = await counts();
    for (const body of ['{"name": "Half', '{name: "Unquoted"}', '["Array"]', '"a string"']) {
      const { status, body: answer } = await raw(body, 'application/json');
      expect(status).toBe(400);
      expectErrorBody(answer, 'BAD_USER_INPUT');
    }
    expect(await counts()).toEqual(before);
  });

  it('answers 415 for text/plain and for a form body, writing nothing', async () => {
    const before = await counts();
    for (const [body, type] of [
      [JSON.stringify(company('Plain Text Co')), 'text/plain'],
      ['name=Form+Co', 'application/x-www-form-urlencoded'],
    ]) {
      const { status, body: answer } = await raw(body, type);
      expect(status).toBe(415);
      expectErrorBody(answer, 'UNSUPPORTED_MEDIA_TYPE');
    }
    expect(await counts()).toEqual(before);
  });

  it('answers 415 for a JSON body in a charset other than UTF-8, and accepts an explicit utf-8', async () => {
    const before = await counts();
    for (const charset of ['latin1', 'iso-8859-1', 'windows-1252']) {
      const { status, body } = await raw(JSON.stringify(company('Latin Co')), `application/json; charset=${charset}`);
      expect(status).toBe(415);
      expectErrorBody(body, 'UNSUPPORTED_MEDIA_TYPE');
    }
    expect(await counts()).toEqual(before);
    const utf8 = await raw(JSON.stringify(company('Ünïcode Co')), 'application/json; charset=utf-8');
    expect(utf8.status).toBe(201);
    expect(utf8.body.company.name).toBe('Ünïcode Co');
  });

  it('answers 413 in the error shape for a JSON body over 100 kB on a normal route', async () => {
    const before = await counts();
    const { status, body } = await post('/companies', { ...company('Huge Co'), padding: 'x'.repeat(150 * 1024) });
    expect(status).toBe(413);
    expectErrorBody(body, 'PAYLOAD_TOO_LARGE');
    expect(await counts()).toEqual(before);
    const login = await post('/users/login', { email: 'acmeadmin@example.com', password: 'p'.repeat(120 * 1024) }, {});
    expect(login.status).toBe(413);
    expectErrorBody(login.body, 'PAYLOAD_TOO_LARGE');
  });
});

describe('unknown routes and methods', () => {
  it.each(['/api/v1/nothing/here', '/api/v1/users/1/nothing', '/api/v1/companies/1/avatar/extra', '/api/v1'])(
    'answers GET %s with 404 in the error shape, not HTML',
    async (path) => {
      const { status, headers, body } = await app.request('GET', path, { headers: world.headers('acmeAdmin') });
      expect(status).toBe(404);
      expect(headers.get('content-type')).toMatch(/^application\/json/);
      expect(body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    },
  );

  it.each([
    ['PATCH', '/companies', '/companies'],
    ['DELETE', '/companies', '/companies'],
    ['PUT', '/imports/:id', '/imports/1'],
    ['GET', '/invitations/accept', '/invitations/accept'],
    ['POST', '/users/avatar', '/users/avatar'],
  ])('answers %s on the known path %s with 405 and an Allow header', async (method, pattern, path) => {
    const allowed = REST_ROUTES.filter((route) => route.path === pattern).map((route) => route.method);
    expect(allowed.length).toBeGreaterThan(0);
    const { status, headers, body } = await app.request(method, `/api/v1${path}`, { headers: world.headers('superAdmin') });
    expect(status).toBe(405);
    expect(headers.get('allow')?.split(', ').sort()).toEqual([...allowed].sort());
    expectErrorBody(body, 'BAD_USER_INPUT');
  });
});

describe('failed mutations', () => {
  const newUser = (email: string) => ({
    first_name: 'Dup',
    last_name: 'Licate',
    email,
    password: PASSWORD,
    company_id: world.companies.acmeEast,
    access_id: world.accessIds.member,
  });

  it('never answer 2xx: a POST /users refused with 409 leaves the users table unchanged', async () => {
    const before = await counts();
    const { status, body } = await post('/users', newUser('EastMember@Example.com'));
    expect(status).toBe(409);
    expectErrorBody(body, 'CONFLICT');
    expect(await counts()).toEqual(before);
    const existing = await app.orm.em.fork().findOneOrFail(User, world.users.eastMember.id);
    expect([existing.firstName, existing.lastName]).toEqual(['EastMember', 'Tester']);
  });

  it.each<[keyof World['users'], number]>([
    ['eastManager', 403],
    ['globexAdmin', 404],
  ])('never answer 2xx: a POST /users by %s is %i and writes nothing', async (caller, expected) => {
    const before = await counts();
    const { status } = await post('/users', newUser(`refused-${caller}@example.com`), world.headers(caller));
    expect(status).toBe(expected);
    expect(await counts()).toEqual(before);
  });
});

describe('error bodies', () => {
  it('never contain a stack, SQL or the password hashing scheme', async () => {
    const failures = await Promise.all([
      post('/users/login', { email: 'acmeadmin@example.com', password: 'wrong password here' }, {}),
      post('/users', {
        first_name: 'A',
        last_name: 'B',
        email: 'acmeadmin@example.com',
        company_id: world.companies.acme,
        access_id: world.accessIds.member,
      }),
      post('/companies', { name: 'x', parent_company_id: 2147483647 }),
      post('/companies', { name: 'x', parent_company_id: '99999999999999999999' }),
      get('/users/99999999999'),
      post('/invitations/accept', { token: "'; drop table users; --", first_name: 'a', last_name: 'b', password: PASSWORD }, {}),
      app.request('POST', '/api/v1/users', { body: '{"email":', headers: world.headers('acmeAdmin') }),
      get('/nothing'),
    ]);
    for (const { status, body } of failures) {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
      expect(Object.keys(body)).toEqual(['error']);
      const text = JSON.stringify(body);
      expect(text).not.toMatch(/stack|\bat .+:\d+:\d+|node_modules|\.ts\b/i);
      expect(text).not.toMatch(/\b(select|insert|update|delete)\b .*\b(from|into|set|where)\b|violates|constraint|relation "/i);
      expect(text).not.toMatch(/argon2/i);
    }
  });
});

describe('GET /api/v1/openapi.json', () => {
  it('is a public OpenAPI 3.1 document that contains every route of the table', async () => {
    const { status, headers, body } = await app.request('GET', '/api/v1/openapi.json');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(body.openapi).toMatch(/^3\.1\./);
    expect(typeof body.info.title).toBe('string');
    const published = Object.entries(body.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const expected = REST_ROUTES.map((route) => `${route.method} /api/v1${route.path.replace(/:(\w+)/g, '{$1}')}`);
    expect(published).toEqual(expect.arrayContaining(expected));
    expect(new Set(expected).size).toBe(REST_ROUTES.length);
  });
});

describe('error details name the keys the client sent', () => {
  type Case = [label: string, method: string, path: () => string, body: () => unknown, field: string];
  const cases: Case[] = [
    [
      'first_name, PUT /users/:id',
      'PUT',
      () => `/users/${world.users.eastMember.id}`,
      () => ({ first_name: '   ' }),
      'first_name',
    ],
    [
      'access_id, POST /users',
      'POST',
      () => '/users',
      () => ({ first_name: 'A', last_name: 'B', email: 'x@example.com', company_id: world.companies.acme, access_id: 999 }),
      'access_id',
    ],
    [
      'user_accesses.0.access_id, POST /users/:user_id/user_accesses',
      'POST',
      () => `/users/${world.users.eastMember.id}/user_accesses`,
      () => ({ user_accesses: [{ company_id: world.companies.acmeEastLab, access_id: 999 }] }),
      'user_accesses.0.access_id',
    ],
    [
      'default, POST /companies',
      'POST',
      () => '/companies',
      () => ({ name: 'Child', parent_company_id: world.companies.acme, default: true }),
      'default',
    ],
    [
      'avatar_base64, PUT /users/avatar',
      'PUT',
      () => '/users/avatar',
      () => ({ user_id: world.users.acmeAdmin.id, avatar_base64: '!!!not base64!!!' }),
      'avatar_base64',
    ],
  ];

  it.each(cases)('%s', async (_label, method, path, body, field) => {
    const { status, body: response } = await app.request(method, `/api/v1${path()}`, {
      body: body(),
      headers: world.headers('acmeAdmin'),
    });
    expect(status).toBe(400);
    expectErrorBody(response, 'BAD_USER_INPUT');
    expect(response.error.details?.[0]?.field).toBe(field);
  });
});
