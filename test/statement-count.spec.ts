import { Access } from '../src/modules/access/access.entity';
import { UserAccess } from '../src/modules/access/user-access.entity';
import { Company } from '../src/modules/company/company.entity';
import { User, UserStatus } from '../src/modules/user/user.entity';
import type { World } from './helpers/fixtures';
import { useTestWorld } from './helpers/setup';
import { BENCH_QUERY } from './helpers/documents';

describe('SQL statements per request do not grow with the list', () => {
  const { app, world } = useTestWorld();

  beforeAll(async () => {
    // 150 users spread over 15 child companies of Acme, each with one to three accesses.
    const em = app.orm.em.fork();
    const acme = await em.findOneOrFail(Company, world.companies.acme);
    const accesses = await em.find(Access, { key: { $in: ['member', 'manager', 'admin'] } });
    const branches = Array.from({ length: 15 }, (_, index) => em.create(Company, { name: `Branch ${index}`, parent: acme }));
    for (let index = 0; index < 150; index += 1) {
      const user = em.create(User, {
        email: `bulk-${index}@example.com`,
        firstName: 'Bulk',
        lastName: `${index}`,
        status: UserStatus.ACTIVE,
      });
      for (let grant = 0; grant <= index % 3; grant += 1) {
        const company = branches[(index + grant * 5) % branches.length];
        em.create(UserAccess, { user, company, access: accesses[(index + grant) % accesses.length], primary: grant === 0 });
      }
    }
    await em.flush();
  });

  const statementsFor = async (first: number, viewer: keyof World['users']) => {
    let edges = 0;
    const count = await app.countStatements(async () => {
      const { body } = await app.graphql(BENCH_QUERY, { first }, world.token(viewer));
      expect(body.errors).toBeUndefined();
      edges = body.data.users.edges.length;
      const withParent = body.data.users.edges.find((edge: any) => edge.node.primaryCompany?.parentCompany);
      expect(withParent).toBeDefined();
    });
    expect(edges).toBe(first);
    return count;
  };

  it.each(['superAdmin', 'acmeAdmin'] as const)('is the same for 10 and 100 users (%s)', async (viewer) => {
    const forTen = await statementsFor(10, viewer);
    const forHundred = await statementsFor(100, viewer);
    expect(forHundred).toBe(forTen);
    // The viewer with its scope; the page with its count; the grants with their accesses, companies
    // and parent companies: three, however long the list.
    expect(forTen).toBe(3);
  });

  it('reads the page and its totalCount in one statement, also when a fragment selects it', async () => {
    const token = world.token('acmeAdmin');
    const run = async (selection: string, fragment = '') => {
      let total: unknown;
      const statements = await app.countStatements(async () => {
        const { body } = await app.graphql(
          `query { users(first: 5) { ${selection} edges { node { id } } } } ${fragment}`,
          {},
          token,
        );
        expect(body.errors).toBeUndefined();
        total = body.data.users.totalCount;
      });
      return { statements, total };
    };
    const without = await run('');
    const direct = await run('totalCount');
    const throughFragment = await run('...Counted', 'fragment Counted on UserConnection { totalCount }');
    const throughInlineFragment = await run('... on UserConnection { totalCount }');
    // The viewer with its scope, then the page (with its count where selected).
    expect([without, direct, throughFragment, throughInlineFragment].map((run) => run.statements)).toEqual([2, 2, 2, 2]);
    expect(direct.total).toBeGreaterThan(150);
    expect([throughFragment.total, throughInlineFragment.total]).toEqual([direct.total, direct.total]);
  });

  it('reads the grants of a page at once, also when a fragment on User selects them', async () => {
    let rows: { accesses: unknown[] }[] = [];
    const statements = await app.countStatements(async () => {
      const { body } = await app.graphql(
        'query { users(first: 20) { edges { node { ...Granted } } } } fragment Granted on User { id accesses { id company { name } } }',
        {},
        world.token('superAdmin'),
      );
      expect(body.errors).toBeUndefined();
      rows = body.data.users.edges.map((edge: { node: { accesses: unknown[] } }) => edge.node);
    });
    // The viewer with its scope, the page, the grants with their companies.
    expect(statements).toBe(3);
    expect(rows).toHaveLength(20);
    expect(rows.some((row) => row.accesses.length > 0)).toBe(true);
  });
});
