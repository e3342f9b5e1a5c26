import { rmSync } from 'node:fs';
import { Company } from '../src/modules/company/company.entity';
import { Membership } from '../src/modules/membership/membership.entity';
import { openDatabase } from '../src/db/database';
import { emptyDataDir } from './helpers/prepared-database';
import { testConfig } from './helpers/test-app';
import { createTestDatabase } from './helpers/test-database';
import { START_IMPORT } from './helpers/documents';
import { waitForImport } from './helpers/imports';
import { useTestWorld } from './helpers/setup';

/**
 * A plan belongs to a tree's root and bounds the distinct users of the whole tree; a child takes
 * its parent's plan and only a super_admin chooses one, so an admin cannot lift its own limit.
 */

const { app, world } = useTestWorld({});
let plan: Membership;
let branch: number;

beforeAll(async () => {
  const em = app.orm.em.fork();
  plan = em.create(Membership, { name: 'Pair', maxUsers: 3, priceCents: 0, currency: 'EUR' });
  await em.flush();
  // Acme's tree already holds acmeAdmin, eastManager, eastMember, labMember and inactive: 5 users.
  await em.nativeUpdate(
    Company,
    { id: [world.companies.acme, world.companies.acmeEast, world.companies.acmeEastLab] },
    { membership: plan.id },
  );
  const child = await app.graphql(
    'mutation($p: ID!) { createCompany(input: { name: "Acme Branch", parentCompanyId: $p }) { id membership { name maxUsers } } }',
    { p: String(world.companies.acme) },
    world.token('acmeAdmin'),
  );
  expect(child.body.data.createCompany.membership).toEqual({ name: 'Pair', maxUsers: 3 });
  branch = Number(child.body.data.createCompany.id);
});

const CREATE_USER = 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }';
const countUsersNamed = async (email: string) =>
  app.orm.em.fork().getConnection().execute(`select count(*)::int as n from users where email = ?`, [email]);

it("refuses a new user in a child company when the root's tree is over its plan, on both transports", async () => {
  const member = (await app.graphql('{ accesses { id key } }', {}, world.token('acmeAdmin'))).body.data.accesses.find(
    (access: { key: string }) => access.key === 'member',
  ).id;
  const graphql = await app.graphql(
    CREATE_USER,
    {
      input: {
        firstName: 'One',
        lastName: 'More',
        email: 'one-more@example.com',
        password: 'a long enough passphrase',
        companyId: String(branch),
        accessId: member,
      },
    },
    world.token('acmeAdmin'),
  );
  expect(graphql.body.errors[0]).toMatchObject({
    extensions: { code: 'CONFLICT' },
    message: expect.stringMatching(/Acme is limited to 3 users across its companies/),
  });
  const rest = await app.request('POST', '/api/v1/users', {
    body: {
      first_name: 'One',
      last_name: 'More',
      email: 'one-more@example.com',
      password: 'a long enough passphrase',
      company_id: branch,
      access_id: Number(member),
    },
    headers: world.headers('acmeAdmin'),
  });
  expect(rest.status).toBe(409);
  expect(await countUsersNamed('one-more@example.com')).toEqual([{ n: 0 }]);
});

it('refuses an admin choosing a plan on REST too, and writes nothing', async () => {
  const starter = await app.orm.em.fork().findOneOrFail(Membership, { name: 'Starter' });
  const rest = await app.request('POST', '/api/v1/companies', {
    body: { name: 'Unlimited Branch', parent_company_id: world.companies.acme, membership_id: starter.id },
    headers: world.headers('acmeAdmin'),
  });
  expect(rest.status).toBe(403);
  expect(await app.orm.em.fork().count(Company, { name: 'Unlimited Branch' })).toBe(0);
});

it("imports into a child company only as many new users as the tree's plan admits", async () => {
  await app.orm.em.fork().nativeUpdate(Membership, { id: plan.id }, { maxUsers: 6 });
  const csv = Buffer.from('email,first_name,last_name\nfirst-import@example.com,F,I\nsecond-import@example.com,S,I\n');
  const started = await app.graphql(
    START_IMPORT,
    { c: String(branch), b: { name: 'x.csv', type: 'text/csv', data: csv.toString('base64') } },
    world.token('acmeAdmin'),
  );
  const id = started.body.data.startImport.id;
  await waitForImport(app, id);
  const { body } = await app.graphql(
    `{ importFile(id: "${id}") { status createdCount errors { row message } } }`,
    {},
    world.token('acmeAdmin'),
  );
  expect(body.data.importFile).toEqual({
    status: 'COMPLETED',
    createdCount: 1,
    errors: [{ row: 2, message: "the company has reached its membership's user limit" }],
  });
});

describe('the migration that gives every child its root plan', () => {
  it('moves children of a database with data from the earlier migrations onto their root plan', async () => {
    // Empty: the test migrates it to an earlier state itself.
    const database = await createTestDatabase({ empty: true });
    const dataDir = emptyDataDir('gateway-migration-', !database.url);
    const config = testConfig(dataDir, database.url);
    const { orm, close } = await openDatabase(config);
    try {
      await orm.getMigrator().up({ to: 'Migration20261201090000' });
      const sql = orm.em.getConnection();
      const [growth] = await sql.execute(
        `insert into memberships (name, max_users, price_cents, currency, features) values ('Growth', 10, 0, 'EUR', '{}') returning id`,
      );
      const [starter] = await sql.execute(
        `insert into memberships (name, max_users, price_cents, currency, features) values ('Unlimited', null, 0, 'EUR', '{}') returning id`,
      );
      const [root] = await sql.execute(`insert into companies (name, membership_id) values ('Root', ?) returning id`, [
        growth.id,
      ]);
      const [child] = await sql.execute(
        `insert into companies (name, parent_id, membership_id) values ('Child', ?, ?) returning id`,
        [root.id, starter.id],
      );
      const [grandchild] = await sql.execute(
        `insert into companies (name, parent_id, membership_id) values ('Grandchild', ?, null) returning id`,
        [child.id],
      );
      const [planless] = await sql.execute(`insert into companies (name, membership_id) values ('Planless', null) returning id`);
      const [planlessChild] = await sql.execute(
        `insert into companies (name, parent_id, membership_id) values ('Planless child', ?, ?) returning id`,
        [planless.id, starter.id],
      );

      await orm.getMigrator().up();

      const plans = await sql.execute(`select id, membership_id from companies order by id`);
      expect(plans).toEqual([
        { id: root.id, membership_id: growth.id },
        { id: child.id, membership_id: growth.id },
        { id: grandchild.id, membership_id: growth.id },
        { id: planless.id, membership_id: null },
        { id: planlessChild.id, membership_id: null },
      ]);
    } finally {
      await close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
