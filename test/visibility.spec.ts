import type { World } from './helpers/fixtures';
import { useTestWorld } from './helpers/setup';

const USER_EMAILS = '{ users(first: 100) { totalCount edges { node { email } } } }';
const COMPANY_NAMES = '{ companies(first: 100) { totalCount edges { node { name } } } }';

describe('what each role sees across two company trees', () => {
  const { app, world } = useTestWorld();

  const emails = async (viewer: keyof World['users']) => {
    const { body } = await app.graphql(USER_EMAILS, {}, world.token(viewer));
    expect(body.errors).toBeUndefined();
    const list = body.data.users.edges.map((edge: any) => edge.node.email).sort();
    expect(body.data.users.totalCount).toBe(list.length);
    return list;
  };
  const companyNames = async (viewer: keyof World['users']) => {
    const { body } = await app.graphql(COMPANY_NAMES, {}, world.token(viewer));
    expect(body.errors).toBeUndefined();
    return body.data.companies.edges.map((edge: any) => edge.node.name).sort();
  };

  it('gives a super_admin every company and user', async () => {
    expect(await companyNames('superAdmin')).toEqual(['Acme', 'Acme East', 'Acme East Lab', 'Globex', 'Globex West', 'Leadsy']);
    expect(await emails('superAdmin')).toHaveLength(8); // NODE_ENV=test creates no bootstrap admin
  });

  it('spreads a grant down the tree and never across to the sibling tree', async () => {
    expect(await companyNames('acmeAdmin')).toEqual(['Acme', 'Acme East', 'Acme East Lab']);
    expect(await emails('acmeAdmin')).toEqual([
      'acmeadmin@example.com',
      'eastmanager@example.com',
      'eastmember@example.com',
      'inactive@example.com',
      'labmember@example.com',
    ]);
    expect(await companyNames('globexAdmin')).toEqual(['Globex', 'Globex West']);
    expect(await emails('globexAdmin')).toEqual(['globexadmin@example.com', 'westmember@example.com']);
  });

  it('shows a member its companies and the people who share one of them, not the ancestors', async () => {
    expect(await companyNames('eastMember')).toEqual(['Acme East', 'Acme East Lab']);
    expect(await emails('eastMember')).toEqual(['eastmanager@example.com', 'eastmember@example.com', 'labmember@example.com']);
    expect(await companyNames('labMember')).toEqual(['Acme East Lab']);
    expect(await emails('labMember')).toEqual(['labmember@example.com']);
  });

  it('answers NOT_FOUND for a user or company outside the viewer’s trees, exactly as for a missing one', async () => {
    const token = world.token('globexAdmin');
    const invisibleUser = await app.graphql(
      'query($id: ID!) { user(id: $id) { id } }',
      { id: String(world.users.acmeAdmin.id) },
      token,
    );
    const missingUser = await app.graphql('query($id: ID!) { user(id: $id) { id } }', { id: '987654' }, token);
    expect(invisibleUser.body.data.user).toBeNull();
    expect(invisibleUser.body.errors[0].extensions.code).toBe('NOT_FOUND');
    expect(invisibleUser.body.errors[0].message.replace(/\d+/, 'N')).toBe(missingUser.body.errors[0].message.replace(/\d+/, 'N'));

    const invisibleCompany = await app.graphql(
      'query($id: ID!) { company(id: $id) { id } }',
      { id: String(world.companies.acme) },
      token,
    );
    expect(invisibleCompany.body.errors[0].extensions.code).toBe('NOT_FOUND');
    expect(invisibleCompany.body.data.company).toBeNull();
  });

  it('hides relations that lead outside the viewer’s scope', async () => {
    const { body } = await app.graphql(
      `query($id: ID!) { company(id: $id) { name parentCompany { name } children { name } } me { primaryCompany { name parentCompany { name } } companies { name } } }`,
      { id: String(world.companies.acmeEast) },
      world.token('eastManager'),
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.company).toEqual({ name: 'Acme East', parentCompany: null, children: [{ name: 'Acme East Lab' }] });
    expect(body.data.me).toEqual({
      primaryCompany: { name: 'Acme East', parentCompany: null },
      companies: [{ name: 'Acme East' }],
    });

    const admin = await app.graphql(
      `query($id: ID!) { company(id: $id) { parentCompany { name } } }`,
      { id: String(world.companies.acmeEast) },
      world.token('acmeAdmin'),
    );
    expect(admin.body.data.company.parentCompany).toEqual({ name: 'Acme' });
  });

  it('lists only the accesses a viewer may see on a user in two trees', async () => {
    const em = app.orm.em.fork();
    await em
      .getConnection()
      .execute(
        `insert into user_accesses (user_id, company_id, access_id, "primary") select ?, ?, id, false from accesses where key = 'member'`,
        [world.users.eastMember.id, world.companies.globexWest],
      );
    const query = `query($id: ID!) { user(id: $id) { accesses { company { name } } companies { name } } }`;
    const id = String(world.users.eastMember.id);
    const fromGlobex = await app.graphql(query, { id }, world.token('globexAdmin'));
    expect(fromGlobex.body.data.user).toEqual({
      accesses: [{ company: { name: 'Globex West' } }],
      companies: [{ name: 'Globex West' }],
    });
    const fromAcme = await app.graphql(query, { id }, world.token('acmeAdmin'));
    expect(fromAcme.body.data.user.companies).toEqual([{ name: 'Acme East' }]);
  });

  it('requires authentication for the graph but not for the published legal terms', async () => {
    const anonymous = await app.graphql('{ users { totalCount } }');
    expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const terms = await app.graphql('{ currentLegalTerm { version title publishedAt } }');
    expect(terms.body.data.currentLegalTerm).toMatchObject({ version: '2026-01', title: 'Terms and Conditions' });
  });
});
