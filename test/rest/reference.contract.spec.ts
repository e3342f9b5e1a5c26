import { sessionToken } from '../helpers/sessions';
import type { World } from '../helpers/fixtures';
import { addUser } from '../helpers/users';
import {
  ACCESS,
  COMPANY,
  expectErrorBody,
  expectShape,
  LEGAL_TERM,
  MEMBERSHIP,
  META,
  type Shape,
  STAGE,
} from './contract-shapes';
import { describeRoute } from './describe-route';
import { useContractWorld } from './contract-app';

const { app, world } = useContractWorld();

const get = (path: string, user?: keyof World['users']) =>
  app.request('GET', `/api/v1${path}`, { headers: user ? world.headers(user) : {} });

/** GET `path` answers 200 with a list under `key`, each item of `shape`, to `user`, and 401 without a token; gives the list. */
async function expectList(path: string, key: string, shape: Shape, user: keyof World['users']): Promise<any[]> {
  const { status, body } = await get(path, user);
  expect(status).toBe(200);
  body[key].forEach((item: unknown) => expectShape(item, shape));
  expect((await get(path)).status).toBe(401);
  return body[key];
}

/** GET `path`/:id answers 200 with the first item of the list, under `key`, of `shape`; and 404 NOT_FOUND for an unknown id. */
async function expectShown(path: string, [listKey, key]: [string, string], shape: Shape, user: keyof World['users']) {
  const [first] = await expectList(path, listKey, shape, user);
  const { status, body } = await get(`${path}/${first.id}`, user);
  expect(status).toBe(200);
  expectShape(body[key], shape);
  const missing = await get(`${path}/9999`, user);
  expect(missing.status).toBe(404);
  expectErrorBody(missing.body, 'NOT_FOUND');
}

describeRoute('GET', '/stages', () => {
  it('answers 200 {stages} ordered by position', async () => {
    const positions = (await expectList('/stages', 'stages', STAGE, 'eastMember')).map((stage) => stage.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });
});

describeRoute('GET', '/accesses', () => {
  it('answers 200 {accesses} with the four fixed keys', async () => {
    const accesses = await expectList('/accesses', 'accesses', ACCESS, 'eastMember');
    expect(accesses.map((access) => access.key).sort()).toEqual(['admin', 'manager', 'member', 'super_admin']);
  });
});

describeRoute('GET', '/accesses/:id', () => {
  it('answers 200 {access}, 404 for an unknown id', async () => {
    await expectShown('/accesses', ['accesses', 'access'], ACCESS, 'eastMember');
  });
});

describeRoute('GET', '/memberships', () => {
  it('answers 200 {memberships}', async () => {
    expect((await expectList('/memberships', 'memberships', MEMBERSHIP, 'westMember')).length).toBeGreaterThanOrEqual(3);
  });
});

describeRoute('GET', '/memberships/:id', () => {
  it('answers 200 {membership}, 404 for an unknown id', async () => {
    await expectShown('/memberships', ['memberships', 'membership'], MEMBERSHIP, 'westMember');
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
    const token = await sessionToken(app, labAdmin.id);
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
