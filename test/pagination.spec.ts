import { Company } from '../src/modules/company/company.entity';
import { addMembers, type World } from './helpers/fixtures';
import { useTestWorld } from './helpers/setup';

const PAGE = `query Page($first: Int, $after: String, $filter: UserFilter) {
  users(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id email } }
  }
}`;

describe('cursor pagination and filters', () => {
  const { app, world } = useTestWorld();

  beforeAll(async () => {
    await addMembers(app.orm.em.fork(), world.companies.globexWest, 30, 'west');
  });

  const page = async (variables: Record<string, unknown>, viewer: keyof World['users'] = 'globexAdmin') => {
    const { body } = await app.graphql(PAGE, variables, world.token(viewer));
    return body;
  };

  it('walks every visible user exactly once, in id order, with a stable total', async () => {
    const seen: number[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const body = await page({ first: 7, after });
      expect(body.errors).toBeUndefined();
      const connection = body.data.users;
      expect(connection.totalCount).toBe(32);
      expect(connection.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...connection.edges.map((edge: any) => Number(edge.node.id)));
      pages += 1;
      expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1).cursor);
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(pages).toBe(5);
    expect(seen).toHaveLength(32);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(new Set(seen).size).toBe(32);
  });

  it('defaults to 25 and allows first: 0 for a bare count', async () => {
    expect((await page({})).data.users.edges).toHaveLength(25);
    const countOnly = await page({ first: 0 });
    expect(countOnly.data.users).toMatchObject({ totalCount: 32, edges: [], pageInfo: { hasNextPage: true, endCursor: null } });
  });

  it.each([
    [{ first: 1001 }, 'first'],
    [{ first: -1 }, 'first'],
    [{ after: 'bm90LWEtY3Vyc29y' }, 'after'],
    [{ after: '!!!' }, 'after'],
    [{ filter: { companyId: 'abc' } }, 'companyId'],
    // A constraint of the input class (class-validator), not of the service.
    [{ filter: { q: 'word '.repeat(21) } }, 'q'],
  ])('refuses %j with BAD_USER_INPUT naming %s', async (variables, field) => {
    const body = await page(variables);
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0].extensions.details[0].field).toBe(field);
  });

  it('answers a cursor past every id, even one beyond 32 bits, with an empty page', async () => {
    const after = Buffer.from('id:999999999999999').toString('base64url');
    const { body } = await app.graphql(
      `query($after: String) {
        users(first: 5, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage } edges { node { id } } }
        companies(first: 5, after: $after) { totalCount edges { node { id } } }
        company(id: "${world.companies.globexWest}") { members(first: 5, after: $after) { totalCount edges { node { id } } } }
      }`,
      { after },
      world.token('globexAdmin'),
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.users).toEqual({ totalCount: 32, pageInfo: { hasNextPage: false, hasPreviousPage: true }, edges: [] });
    expect(body.data.companies.edges).toEqual([]);
    expect(body.data.companies.totalCount).toBeGreaterThan(0);
    expect(body.data.company.members).toEqual({ totalCount: 31, edges: [] });
  });

  it('refuses a first that is not an integer as a GraphQL input error', async () => {
    const body = await page({ first: 'ten' });
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('filters by company, status and free text, inside the viewer’s scope only', async () => {
    const byCompany = await page({ first: 100, filter: { companyId: String(world.companies.globex) } });
    expect(byCompany.data.users.edges.map((edge: any) => edge.node.email)).toEqual(['globexadmin@example.com']);

    // A company outside the scope is one that does not exist: an empty page would confirm it does.
    const outsideScope = await page({ first: 100, filter: { companyId: String(world.companies.acme) } });
    expect(outsideScope.errors[0].extensions.code).toBe('NOT_FOUND');
    expect(outsideScope.data).toBeNull();

    const inactive = await page({ first: 100, filter: { status: 'INACTIVE' } }, 'acmeAdmin');
    expect(inactive.data.users.edges.map((edge: any) => edge.node.email)).toEqual(['inactive@example.com']);

    const text = await page({ first: 100, filter: { q: 'west1 bulk' } });
    // firstName "west1", "west10".."west19" and lastName "Bulk": every word must match some field.
    expect(text.data.users.edges.map((edge: any) => edge.node.email)).toEqual(
      [1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19].map((index) => `west-${index}@example.com`),
    );
    const wildcard = await page({ first: 100, filter: { q: '%' } });
    expect(wildcard.data.users.totalCount).toBe(0);
  });

  it('pages companies and a company’s members the same way', async () => {
    const em = app.orm.em.fork();
    const parent = await em.findOneOrFail(Company, world.companies.globex);
    for (let index = 0; index < 12; index += 1) em.create(Company, { name: `Globex Branch ${index}`, parent });
    await em.flush();
    const { body } = await app.graphql(
      `query($after: String) {
        companies(first: 5, after: $after, filter: { q: "branch" }) { totalCount pageInfo { hasNextPage endCursor } edges { node { name } } }
        company(id: "${world.companies.globexWest}") { members(first: 10) { totalCount pageInfo { hasNextPage } edges { node { email } } } }
      }`,
      {},
      world.token('globexAdmin'),
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.companies.totalCount).toBe(12);
    expect(body.data.companies.edges).toHaveLength(5);
    expect(body.data.companies.pageInfo.hasNextPage).toBe(true);
    expect(body.data.company.members.totalCount).toBe(31);
    expect(body.data.company.members.edges).toHaveLength(10);
    expect(body.data.company.members.pageInfo.hasNextPage).toBe(true);
  });
});
