import { AccessTokens } from '../../src/modules/auth/jwt';
import { buildWorld, type World } from '../helpers/fixtures';
import { addUser } from '../helpers/users';
import { startContractApp, type TestApp } from './contract-app';
import { ACCESS, COMPANY, expectErrorBody, expectShape, LEGAL_TERM, MEMBERSHIP, META, STAGE } from './contract-shapes';
import { describeRoute } from './describe-route';

let app: TestApp;
let world: World;
beforeAll(async () => {
  app = await startContractApp();
  world = await buildWorld(app);
});
afterAll(() => app.close());

const as = (user: keyof World['users']) => ({ authorization: `Bearer ${world.token(user)}` });
const get = (path: string, user?: keyof World['users']) =>
  app.request('GET', `/api/v1${path}`, { headers: user ? as(user) : {} });

describeRoute('GET', '/stages', () => {
  it('answers 200 {stages} ordered by position', async () => {
    const { status, body } = await get('/stages', 'eastMember');
    expect(status).toBe(200);
    body.stages.forEach((stage: unknown) => expectShape(stage, STAGE));
    const positions = body.stages.map((stage: any) => stage.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect((await get('/stages')).status).toBe(401);
  });
});

describeRoute('GET', '/accesses', () => {
  it('answers 200 {accesses} with the four fixed keys', async () => {
    const { status, body } = await get('/accesses', 'eastMember');
    expect(status).toBe(200);
    body.accesses.forEach((access: unknown) => expectShape(access, ACCESS));
    expect(body.accesses.map((access: any) => access.key).sort()).toEqual(['admin', 'manager', 'member', 'super_admin']);
    expect((await get('/accesses')).status).toBe(401);
  });
});

describeRoute('GET', '/accesses/:id', () => {
  it('answers 200 {access}, 404 for an unknown id', async () => {
    const { body: list } = await get('/accesses', 'eastMember');
    const { status, body } = await get(`/accesses/${list.accesses[0].id}`, 'eastMember');
    expect(status).toBe(200);
    expectShape(body.access, ACCESS);
    const missing = await get('/accesses/9999', 'eastMember');
    expect(missing.status).toBe(404);
    expectErrorBody(missing.body, 'NOT_FOUND');
  });
});

describeRoute('GET', '/memberships', () => {
  it('answers 200 {memberships}', async () => {
    const { status, body } = await get('/memberships', 'westMember');
    expect(status).toBe(200);
    expect(body.memberships.length).toBeGreaterThanOrEqual(3);
    body.memberships.forEach((membership: unknown) => expectShape(membership, MEMBERSHIP));
    expect((await get('/memberships')).status).toBe(401);
  });
});

describeRoute('GET', '/memberships/:id', () => {
  it('answers 200 {membership}, 404 for an unknown id', async () => {
    const { body: list } = await get('/memberships', 'westMember');
    const { status, body } = await get(`/memberships/${list.memberships[0].id}`, 'westMember');
    expect(status).toBe(200);
    expectShape(body.membership, MEMBERSHIP);
    expect((await get('/memberships/9999', 'westMember')).status).toBe(404);
  });
});

describeRoute('GET', '/legal_terms/current', () => {
  it('answers 200 {legal_term} without a token: the newest published version', async () => {
    const em = app.orm.em.fork();
    await em.getConnection().execute(
      `insert into legal_terms (version, title, body, published_at) values ('2099-01', 'Future', 'not yet', now() + interval '1 day'),
       ('2000-01', 'Old', 'old terms', now() - interval '10 years')`,
    );
    const { status, body } = await get('/legal_terms/current');
    expect(status).toBe(200);
    expectShape(body.legal_term, LEGAL_TERM);
    expect(body.legal_term.version).toBe('2026-01');
  });

  it('answers 404 when nothing is published', async () => {
    const em = app.orm.em.fork();
    await em.getConnection().execute(`update legal_terms set published_at = published_at + interval '200 years'`);
    try {
      const { status, body } = await get('/legal_terms/current');
      expect(status).toBe(404);
      expectErrorBody(body, 'NOT_FOUND');
    } finally {
      await em.getConnection().execute(`update legal_terms set published_at = published_at - interval '200 years'`);
    }
  });
});

describeRoute('GET', '/legal_terms/:id', () => {
  it('answers 200 {legal_term} for a published version and 404 for a draft', async () => {
    const { body: current } = await get('/legal_terms/current');
    const { status, body } = await get(`/legal_terms/${current.legal_term.id}`);
    expect(status).toBe(200);
    expect(body.legal_term).toEqual(current.legal_term);
    const [draft] = await app.orm.em
      .fork()
      .getConnection()
      .execute(`insert into legal_terms (version, title, body) values ('draft', 'Draft', 'draft') returning id`);
    expect((await get(`/legal_terms/${draft.id}`)).status).toBe(404);
  });
});

describeRoute('GET', '/companies', () => {
  it('answers 200 {companies, meta} with the visible companies only', async () => {
    const { status, body } = await get('/companies?per_page=2', 'acmeAdmin');
    expect(status).toBe(200);
    expectShape(body.meta, META);
    expect(body.meta).toEqual({ page: 1, per_page: 2, total: 3, total_pages: 2 });
    body.companies.forEach((company: unknown) => expectShape(company, COMPANY));
    const children = await get(`/companies?parent_company_id=${world.companies.acme}`, 'acmeAdmin');
    expect(children.body.companies.map((company: any) => company.name)).toEqual(['Acme East']);
    expect((await get('/companies?per_page=abc', 'acmeAdmin')).status).toBe(400);
  });
});

describeRoute('GET', '/companies/:id', () => {
  it('answers 200 {company}, and 404 for a company in another tree', async () => {
    const { status, body } = await get(`/companies/${world.companies.acmeEast}`, 'acmeAdmin');
    expect(status).toBe(200);
    expectShape(body.company, COMPANY);
    expect(body.company).toMatchObject({ name: 'Acme East', parent_company_id: world.companies.acme, default: false });
    const hidden = await get(`/companies/${world.companies.globex}`, 'acmeAdmin');
    expect(hidden.status).toBe(404);
    expectErrorBody(hidden.body, 'NOT_FOUND');
  });

  it('answers the parent id of a child company whose parent the caller may not see, as the graph does', async () => {
    const labAdmin = await addUser(app, [[world.companies.acmeEastLab, 'admin']]);
    const token = new AccessTokens(app.config.jwt).sign(labAdmin.id).token;
    const lab = world.companies.acmeEastLab;
    const rest = await app.request('GET', `/api/v1/companies/${lab}`, { headers: { authorization: `Bearer ${token}` } });
    expect(rest.status).toBe(200);
    expect(rest.body.company).toMatchObject({ id: lab, parent_company_id: world.companies.acmeEast });
    const graph = await app.graphql(
      'query($id: ID!) { company(id: $id) { parentCompanyId parentCompany { id } } }',
      { id: String(lab) },
      token,
    );
    expect(graph.body).toEqual({ data: { company: { parentCompanyId: String(world.companies.acmeEast), parentCompany: null } } });
  });
});
