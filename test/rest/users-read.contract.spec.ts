import { sessionToken } from '../helpers/sessions';
import { PASSWORD } from '../helpers/fixtures';
import { addUser } from '../helpers/users';
import { expectErrorBody, expectShape, META, USER } from './contract-shapes';
import { describeRoute } from './describe-route';
import { useContractWorld } from './contract-app';

const { app, world } = useContractWorld();

describeRoute('POST', '/users/login', () => {
  it('answers 200 {token, expires_at, user} and ignores unknown keys', async () => {
    const { status, body } = await app.request('POST', '/api/v1/users/login', {
      body: { email: 'eastmember@example.com', password: PASSWORD, status: 'inactive', id: 1 },
    });
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['expires_at', 'refresh_token', 'token', 'user']);
    expect(typeof body.token).toBe('string');
    expectShape(body.user, USER);
    expect(body.user).toMatchObject({ email: 'eastmember@example.com', status: 'active', full_name: 'EastMember Tester' });
    expect(body.user.primary_access).toEqual({
      id: expect.any(Number),
      company_id: world.companies.acmeEast,
      access_id: expect.any(Number),
      access_name: 'Member',
    });
    // The member may not see Acme, yet its id is Acme East's parent id.
    expect(body.user.primary_company).toEqual({
      id: world.companies.acmeEast,
      name: 'Acme East',
      default: false,
      parent_company_id: world.companies.acme,
    });
    expect(JSON.stringify(body)).not.toMatch(/password|argon2/i);
  });

  it('answers 401 with one identical message for a wrong password and an unknown email', async () => {
    const wrong = await app.request('POST', '/api/v1/users/login', {
      body: { email: 'eastmember@example.com', password: 'nope nope nope' },
    });
    const unknown = await app.request('POST', '/api/v1/users/login', {
      body: { email: 'ghost@example.com', password: PASSWORD },
    });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expectErrorBody(wrong.body, 'UNAUTHENTICATED');
    expect(wrong.body).toEqual(unknown.body);
  });

  it('answers 400 for malformed JSON and a missing field, 415 for another content type', async () => {
    const malformed = await app.request('POST', '/api/v1/users/login', { body: '{"email": ' });
    expect(malformed.status).toBe(400);
    expectErrorBody(malformed.body, 'BAD_USER_INPUT');
    const missing = await app.request('POST', '/api/v1/users/login', { body: { email: 'x@example.com' } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual([{ field: 'password', message: expect.any(String) }]);
    const form = await app.request('POST', '/api/v1/users/login', {
      body: 'email=x&password=y',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expectErrorBody(form.body, 'UNSUPPORTED_MEDIA_TYPE');
  });
  it('answers 429 with Retry-After once an email has spent its attempts', async () => {
    const attempt = () =>
      app.request('POST', '/api/v1/users/login', { body: { email: 'spent@example.com', password: 'not the password' } });
    for (let spent = 0; spent < app.config.rateLimits.perAccount; spent += 1) expect((await attempt()).status).toBe(401);
    const { status, headers, body } = await attempt();
    expect(status).toBe(429);
    expectErrorBody(body, 'RATE_LIMITED');
    expect(Number(headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describeRoute('GET', '/users/validate_jwt', () => {
  it('answers 200 {valid, expires_at, user} for a Bearer and for a bare token', async () => {
    for (const headers of [world.headers('eastManager'), world.headers('eastManager', { bare: true })]) {
      const { status, body } = await app.request('GET', '/api/v1/users/validate_jwt', { headers });
      expect(status).toBe(200);
      expect(body.valid).toBe(true);
      expect(body.expires_at).toMatch(/Z$/);
      expectShape(body.user, USER);
      expect(body.user.id).toBe(world.users.eastManager.id);
    }
  });

  it('answers 401 for a bad token and for none', async () => {
    const bad = await app.request('GET', '/api/v1/users/validate_jwt', { headers: { authorization: 'Bearer not.a.token' } });
    expect(bad.status).toBe(401);
    expectErrorBody(bad.body, 'UNAUTHENTICATED');
    expect((await app.request('GET', '/api/v1/users/validate_jwt')).status).toBe(401);
  });
});

describeRoute('GET', '/users/find_by_email', () => {
  it('answers 200 {user} for a manager, case-insensitively', async () => {
    const { status, body } = await app.request('GET', '/api/v1/users/find_by_email?email=EastMember@Example.com', {
      headers: world.headers('eastManager'),
    });
    expect(status).toBe(200);
    expectShape(body.user, USER);
    expect(body.user.id).toBe(world.users.eastMember.id);
  });

  it('answers 404 for a member, for someone in another tree, and 400 without email', async () => {
    const member = await app.request('GET', '/api/v1/users/find_by_email?email=labmember@example.com', {
      headers: world.headers('eastMember'),
    });
    expect(member.status).toBe(404);
    const otherTree = await app.request('GET', '/api/v1/users/find_by_email?email=westmember@example.com', {
      headers: world.headers('acmeAdmin'),
    });
    expect(otherTree.status).toBe(404);
    expectErrorBody(otherTree.body, 'NOT_FOUND');
    expect((await app.request('GET', '/api/v1/users/find_by_email', { headers: world.headers('acmeAdmin') })).status).toBe(400);
  });
});

describeRoute('GET', '/users', () => {
  it('answers 200 {users, meta} with only the users the caller may see', async () => {
    const { status, body } = await app.request('GET', '/api/v1/users?per_page=2&page=2', { headers: world.headers('acmeAdmin') });
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['meta', 'users']);
    expectShape(body.meta, META);
    expect(body.meta).toEqual({ page: 2, per_page: 2, total: 5, total_pages: 3 });
    expect(body.users).toHaveLength(2);
    body.users.forEach((user: unknown) => expectShape(user, USER));

    const all = await app.request('GET', '/api/v1/users?per_page=100', { headers: world.headers('acmeAdmin') });
    expect(all.body.users.map((user: any) => user.email)).not.toContain('westmember@example.com');
    expect(all.body.users.slice(2, 4)).toEqual(body.users);
  });

  it('filters by company_id, status and q', async () => {
    const filtered = await app.request('GET', `/api/v1/users?company_id=${world.companies.acmeEast}&status=active&q=manager`, {
      headers: world.headers('acmeAdmin'),
    });
    expect(filtered.body.users.map((user: any) => user.email)).toEqual(['eastmanager@example.com']);
    expect(filtered.body.meta.total).toBe(1);
  });

  it.each(['per_page=0', 'per_page=101', 'page=0', 'page=abc', 'status=deleted'])('answers 400 for %s', async (query) => {
    const { status, body } = await app.request('GET', `/api/v1/users?${query}`, { headers: world.headers('acmeAdmin') });
    expect(status).toBe(400);
    expectErrorBody(body, 'BAD_USER_INPUT');
    expect(body.error.details[0].field).toBe(query.split('=')[0]);
  });

  it('answers 401 without a token', async () => {
    const { status, body } = await app.request('GET', '/api/v1/users');
    expect(status).toBe(401);
    expectErrorBody(body, 'UNAUTHENTICATED');
  });
});

describeRoute('GET', '/users/:id', () => {
  it('answers 200 {user} for a visible user', async () => {
    const { status, body } = await app.request('GET', `/api/v1/users/${world.users.labMember.id}`, {
      headers: world.headers('eastMember'),
    });
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['user']);
    expectShape(body.user, USER);
  });

  it('answers 404 for a user outside the caller’s companies, exactly as for a missing one', async () => {
    const outside = await app.request('GET', `/api/v1/users/${world.users.westMember.id}`, {
      headers: world.headers('acmeAdmin'),
    });
    const missing = await app.request('GET', '/api/v1/users/99999', { headers: world.headers('acmeAdmin') });
    expect([outside.status, missing.status]).toEqual([404, 404]);
    expectErrorBody(outside.body, 'NOT_FOUND');
    expect(outside.body.error.message.replace(/\d+/, 'N')).toBe(missing.body.error.message.replace(/\d+/, 'N'));
  });

  it('answers the parent id of a primary company whose parent the caller may not see, as the graph does', async () => {
    const labAdmin = await addUser(app, [[world.companies.acmeEastLab, 'admin']]);
    const token = await sessionToken(app, labAdmin.id);
    const rest = await app.request('GET', `/api/v1/users/${labAdmin.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(rest.status).toBe(200);
    expect(rest.body.user.primary_company).toMatchObject({
      id: world.companies.acmeEastLab,
      parent_company_id: world.companies.acmeEast,
    });
    const graph = await app.graphql('{ me { primaryCompany { parentCompanyId parentCompany { id } } } }', {}, token);
    expect(graph.body.data.me.primaryCompany).toEqual({ parentCompanyId: String(world.companies.acmeEast), parentCompany: null });
  });

  it('answers 400 for an id that is not a number', async () => {
    const { status } = await app.request('GET', '/api/v1/users/abc', { headers: world.headers('acmeAdmin') });
    expect(status).toBe(400);
  });
});
