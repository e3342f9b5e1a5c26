import { type EntityManager, wrap } from '@mikro-orm/postgresql';
import type { GraphQLObjectType } from 'graphql';
import { entitiesByForeignKeyLoader, entityByIdLoader } from '../src/db/entity-loaders';
import { queryPrepared, queryPreparedArrays } from '../src/db/prepared-statements';
import { ConfigError, loadConfig, PERFORMANCE_TRICKS, performanceTrickOn } from '../src/config';
import { executionCounts } from '../src/graphql/compiled-execution';
import { isDirectFieldResolver } from '../src/graphql/direct-field-resolvers';
import { buildGatewaySchema } from '../src/graphql/schema';
import { UserAccess } from '../src/modules/access/user-access.entity';
import { User } from '../src/modules/user/user.entity';
import { BENCH_QUERY } from './helpers/documents';
import { useTestWorld } from './helpers/setup';
import { recordStatements } from './helpers/statements';

/**
 * PERFORMANCE_TRICKS_OFF=all: every trick falls back to its library's plain path
 * (docs/performance.md), and the answers stay what the tricks give. The switch is read once per
 * process (here: per test file, which has its own process.env and modules), on first use.
 */
process.env.PERFORMANCE_TRICKS_OFF = 'all';

const { app, world } = useTestWorld();

it('reads the switch from the process environment', () => {
  for (const trick of PERFORMANCE_TRICKS) expect(performanceTrickOn(trick)).toBe(false);
});

it('answers the contract’s benchmark query in full, with the statements the tricks need', async () => {
  const before = executionCounts();
  let body: any;
  const sent = await recordStatements(async () => {
    ({ body } = await app.graphql(BENCH_QUERY, { first: 100 }, world.token('acmeAdmin')));
  });
  expect(body.errors).toBeUndefined();
  const { totalCount, edges } = body.data.users;
  expect(edges).toHaveLength(totalCount);
  const east = edges.find((edge: any) => edge.node.id === String(world.users.eastMember.id)).node;
  expect(east).toMatchObject({ email: 'eastmember@example.com', avatarUrl: null, status: 'ACTIVE' });
  expect(east.primaryCompany).toEqual({
    id: String(world.companies.acmeEast),
    name: 'Acme East',
    parentCompany: { id: String(world.companies.acme), name: 'Acme' },
  });
  expect(east.accesses).toEqual([
    expect.objectContaining({ primary: true, access: expect.objectContaining({ name: 'Member' }) }),
  ]);

  // graphql-js executed it; nothing was compiled.
  const after = executionCounts();
  expect(after.graphqlJsRuns - before.graphqlJsRuns).toBe(1);
  expect([after.compilations, after.compiledRuns]).toEqual([before.compilations, before.compiledRuns]);
  // Unnamed statements, as many as with the tricks on (statement-count.spec.ts: three).
  expect(sent).toHaveLength(3);
  for (const { config } of sent) expect((config as { name?: string }).name).toBeUndefined();
});

it('resolves Federation entities on graphql-js, representations written in the document included', async () => {
  const { body } = await app.graphql(
    `{ _entities(representations: [{ __typename: "User", id: "${world.users.eastMember.id}" }, { __typename: "Company", id: "${world.companies.globex}" }]) {
      ... on User { email }
      ... on Company { name }
    } }`,
    {},
    world.token('acmeAdmin'),
  );
  // Globex is hidden from the admin of Acme: null, as on the compiled path.
  expect(body).toEqual({ data: { _entities: [{ email: 'eastmember@example.com' }, null] } });
});

it('leaves every field resolver to type-graphql', async () => {
  const schema = await buildGatewaySchema();
  const user = (schema.getType('User') as GraphQLObjectType).getFields();
  expect(user.avatarUrl.resolve).toEqual(expect.any(Function));
  expect(isDirectFieldResolver(user.avatarUrl.resolve)).toBe(false);
  expect(isDirectFieldResolver(user.accesses.resolve)).toBe(false);
});

it('hydrates managed entities with MikroORM, values and many-to-ones as em.find gives them', async () => {
  const em = app.orm.em.fork() as EntityManager;
  const id = world.users.eastMember.id;
  const user = (await entityByIdLoader(em, User).load(id))!;
  expect(wrap(user, true).__managed).toBe(true);
  // Booleans, not entities, in the assertions: jest's worker cannot serialize a managed entity.
  expect(em.getUnitOfWork().getById(User.name, id) === user).toBe(true);
  const found = await app.orm.em.fork().findOneOrFail(User, id);
  expect(wrap(user).toObject()).toEqual(wrap(found).toObject());

  const [grant] = await entitiesByForeignKeyLoader(em, UserAccess, 'user').load(id);
  expect(wrap(grant, true).__managed).toBe(true);
  // The grant's user is the managed user of the identity map, not a copy.
  expect(grant.user === user).toBe(true);
});

it('runs statements unnamed, in both row modes, with array values bound as one parameter', async () => {
  const em = app.orm.em.fork();
  const ids = [world.companies.acme, world.companies.globex];
  expect(
    await queryPrepared(em, 'select count(*)::int as total from companies where id = any(?::bigint[])', [`{${ids}}`]),
  ).toEqual([{ total: 2 }]);
  expect(await queryPreparedArrays(em, 'select ?::text[] as names, ?::int as absent', [['a', 'b'], undefined])).toEqual([
    [['a', 'b'], null],
  ]);
});

describe('PERFORMANCE_TRICKS_OFF in the configuration', () => {
  const load = (value: string) => () =>
    loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(32), PERFORMANCE_TRICKS_OFF: value });

  it.each(['', 'all', 'read-models', 'prepared-statements, compiled-execution,direct-field-resolvers'])('accepts %j', (value) => {
    expect(load(value)).not.toThrow();
  });

  it.each(['graphql-jit', 'read-models,everything', 'none'])('refuses %j, naming the variable and the trick', (value) => {
    expect(load(value)).toThrow(ConfigError);
    expect(load(value)).toThrow(/PERFORMANCE_TRICKS_OFF.*unknown trick.*read-models, prepared-statements, compiled-execution/);
  });
});
