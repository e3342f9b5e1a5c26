import { type EntityManager, wrap } from '@mikro-orm/postgresql';
import type { GraphQLField, GraphQLObjectType, GraphQLSchema } from 'graphql';
import { entitiesByForeignKeyLoader, entityByIdLoader } from '../src/db/entity-loaders';
import { queryPrepared } from '../src/db/prepared-statements';
import { readColumns } from '../src/db/read-models';
import { executionCounts } from '../src/graphql/compiled-execution';
import { isDirectFieldResolver } from '../src/graphql/direct-field-resolvers';
import { buildGatewaySchema } from '../src/graphql/schema';
import { UserAccess } from '../src/modules/access/user-access.entity';
import { Company } from '../src/modules/company/company.entity';
import { User } from '../src/modules/user/user.entity';
import { BENCH_QUERY } from './helpers/documents';
import { recordStatements, type SentStatement } from './helpers/statements';
import { useTestWorld } from './helpers/setup';

/**
 * Guards of the performance tricks that lean on library internals (docs/performance.md): each
 * test checks the mechanism itself, so an upgrade that silently turns a trick off, or breaks what
 * it relies on, fails here. With a trick turned off by PERFORMANCE_TRICKS_OFF its guard fails too.
 */

const { app, world } = useTestWorld();

const benchQuery = async (first = 10) => {
  const { status, body } = await app.graphql(BENCH_QUERY, { first }, world.token('superAdmin'));
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  expect(body.data.users.edges.length).toBeGreaterThan(0);
  return body.data;
};

const NAMED = /^leadsy_[0-9a-f]{24}$/;

describe('compiled execution (graphql-jit behind Apollo’s gateway executor)', () => {
  it('compiles an operation once, on its first request, and runs its compiled function on every request', async () => {
    const before = executionCounts();
    await benchQuery(10);
    await benchQuery(10);
    const after = executionCounts();
    // Apollo hands its cached document to the executor, so the second request finds the compiled query.
    expect(after.compilations - before.compilations).toBe(1);
    expect(after.compiledRuns - before.compiledRuns).toBe(2);
    expect(after.graphqlJsRuns - before.graphqlJsRuns).toBe(0);
  });

  it('runs the REST routes’ operations compiled too', async () => {
    const before = executionCounts();
    const { status } = await app.request('GET', '/api/v1/users?per_page=5', {
      headers: { authorization: `Bearer ${world.token('superAdmin')}` },
    });
    expect(status).toBe(200);
    const after = executionCounts();
    expect(after.compiledRuns - before.compiledRuns).toBe(1);
    expect(after.graphqlJsRuns - before.graphqlJsRuns).toBe(0);
  });
});

describe('direct field resolvers (type-graphql’s metadata storage read by callFieldResolversDirectly)', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    // What createApp builds: the same function, the same metadata storage.
    schema = await buildGatewaySchema();
  });
  const field = (type: string, name: string): GraphQLField<unknown, unknown> =>
    (schema.getType(type) as GraphQLObjectType).getFields()[name];

  // The fields of the contract's benchmark query (and their neighbours) that have a @FieldResolver.
  const HOT_FIELDS = [
    ['User', 'avatarUrl'],
    ['User', 'accesses'],
    ['User', 'primaryAccess'],
    ['User', 'primaryCompany'],
    ['User', 'companies'],
    ['UserAccess', 'user'],
    ['UserAccess', 'company'],
    ['UserAccess', 'access'],
    ['Company', 'avatarUrl'],
    ['Company', 'parentCompany'],
    ['Company', 'parentCompanyId'],
    ['Company', 'children'],
  ] as const;

  it.each(HOT_FIELDS)('%s.%s resolves through the direct call', (type, name) => {
    expect(isDirectFieldResolver(field(type, name).resolve)).toBe(true);
  });

  it('leaves a field resolver with @Arg parameters to type-graphql, which converts its arguments', () => {
    expect(field('Company', 'members').resolve).toEqual(expect.any(Function));
    expect(isDirectFieldResolver(field('Company', 'members').resolve)).toBe(false);
  });

  it('passes the root, and the context where the method takes it, in the method’s order', async () => {
    const info = {} as never;
    expect(field('User', 'avatarUrl').resolve!({ avatarKey: 'ab/cd.png' }, {}, {}, info)).toBe('/files/avatars/ab/cd.png');
    expect(field('User', 'avatarUrl').resolve!({ avatarKey: null }, {}, {}, info)).toBeNull();
    const context = { services: { accesses: { visibleUserAccessesOf: (userId: number) => [`grants of ${userId}`] } } };
    expect(field('User', 'accesses').resolve!({ id: 7 }, {}, context, info)).toEqual(['grants of 7']);
  });
});

describe('read models (rows read past MikroORM’s unit of work, with the entity prototype)', () => {
  let em: EntityManager;
  beforeAll(() => {
    em = app.orm.em.fork() as EntityManager;
  });

  // Assertions on names and booleans only: a failure message holding a managed entity would crash
  // jest's worker (the entity cannot be serialized), hiding which guard failed.
  const inIdentityMap = (manager: EntityManager) =>
    manager
      .getUnitOfWork()
      .getIdentityMap()
      .values()
      .map((entity) => entity.constructor.name);
  const expectUnmanaged = (model: object) => {
    expect(Boolean(wrap(model, true).__managed)).toBe(false);
    expect(inIdentityMap(em)).toEqual([]);
  };

  it('a loader returns read models: the entity’s prototype, unmanaged, every column as MikroORM reads it', async () => {
    const id = world.users.acmeAdmin.id;
    const user = (await entityByIdLoader(em, User).load(id))!;
    // The entity's prototype under the reader's layer of data properties.
    expect(Object.getPrototypeOf(Object.getPrototypeOf(user)) === User.prototype).toBe(true);
    expect(user instanceof User).toBe(true);
    expectUnmanaged(user);

    const managed = await app.orm.em.fork().findOneOrFail(User, id);
    expect(Boolean(wrap(managed, true).__managed)).toBe(true);
    for (const property of ['id', 'firstName', 'lastName', 'email', 'status', 'avatarKey'] as const) {
      expect(user[property]).toEqual(managed[property]);
    }
    for (const property of ['createdAt', 'updatedAt'] as const) {
      expect(user[property]).toBeInstanceOf(Date);
      expect(user[property].getTime()).toBe(managed[property].getTime());
    }
    expect(user.fullName).toBe(managed.fullName);
    // The lazy column (the password hash) is never read into a read model.
    expect(Object.keys(user)).not.toContain('passwordHash');
    expect(user.passwordHash).toBeUndefined();
  });

  it('a many-to-one is a plain { id }, not a MikroORM reference', async () => {
    const [grant] = await entitiesByForeignKeyLoader(em, UserAccess, 'user').load(world.users.eastMember.id);
    expect(grant instanceof UserAccess).toBe(true);
    expectUnmanaged(grant);
    for (const reference of [grant.user, grant.company, grant.access]) {
      expect(Object.getPrototypeOf(reference) === Object.prototype).toBe(true);
      expect(Object.keys(reference)).toEqual(['id']);
    }
    expect(grant.user.id).toBe(world.users.eastMember.id);
    expect(grant.company.id).toBe(world.companies.acmeEast);
  });

  it('selects exactly the table’s columns but the lazy ones, from MikroORM’s metadata', async () => {
    const columnsOf = async (table: string) =>
      (
        await queryPrepared<{ column_name: string }>(
          em,
          'select column_name from information_schema.columns where table_schema = current_schema() and table_name = ?',
          [table],
        )
      )
        .map((row) => row.column_name)
        .sort();
    const selected = (entity: typeof User | typeof Company | typeof UserAccess) =>
      readColumns(em, entity, 't')
        .split(', ')
        .map((column) => column.replace(/^"t"\."(.+)"$/, '$1'))
        .sort();
    expect(selected(User)).toEqual((await columnsOf('users')).filter((column) => column !== 'password_hash'));
    expect(selected(Company)).toEqual(await columnsOf('companies'));
    expect(selected(UserAccess)).toEqual(await columnsOf('user_accesses'));
    // The id first: a left-joined model is absent when the value at its offset is null.
    expect(readColumns(em, User, 't').startsWith('"t"."id"')).toBe(true);
  });

  it('the graph puts no entity in the request’s EntityManager while it answers a list', async () => {
    // Each request works in a fork of the app's EntityManager (modules/request-context.ts).
    const forks: EntityManager[] = [];
    const original = app.orm.em.fork.bind(app.orm.em);
    const spy = jest.spyOn(app.orm.em, 'fork').mockImplementation((...args) => {
      const forked = original(...args) as EntityManager;
      forks.push(forked);
      return forked;
    });
    try {
      await benchQuery(20);
    } finally {
      spy.mockRestore();
    }
    expect(forks.length).toBeGreaterThan(0);
    for (const forked of forks) expect(inIdentityMap(forked)).toEqual([]);
  });
});

describe('prepared statements (named, straight through knex’s client and pg)', () => {
  it('sends every statement of a request as a named prepared statement, read models in array mode', async () => {
    const runs = [await recordStatements(() => benchQuery(10)), await recordStatements(() => benchQuery(10))];
    for (const sent of runs) {
      expect(sent.length).toBeGreaterThanOrEqual(3);
      for (const { config } of sent) {
        expect(config).toEqual(expect.objectContaining({ name: expect.stringMatching(NAMED), text: expect.any(String) }));
        expect((config as { text: string }).text).not.toContain('?');
      }
      expect(sent.some(({ config }) => (config as { rowMode?: string }).rowMode === 'array')).toBe(true);
    }
    // One fixed text per statement: the same names on every request, so each connection prepares them once.
    const names = (sent: SentStatement[]) => sent.map(({ config }) => (config as { name: string }).name).sort();
    expect(names(runs[1])).toEqual(names(runs[0]));
  });

  it('inside a transaction, runs on the transaction’s connection, where PostgreSQL keeps it prepared', async () => {
    const statement = 'select count(*)::int as total from companies where id = any(?::bigint[])';
    let preparedOnServer: unknown;
    const sent = await recordStatements(() =>
      app.orm.em.fork().transactional(async (tx) => {
        await queryPrepared(tx, statement, [`{${world.companies.acme}}`]);
        preparedOnServer = await queryPrepared(tx, 'select name from pg_prepared_statements where statement = ?', [
          statement.replace('?', '$1'),
        ]);
      }),
    );
    const begin = sent.find(({ config }) => /^begin/i.test((config as { text: string }).text));
    const ours = sent.filter(({ config }) => (config as { name?: string }).name !== undefined);
    expect(begin).toBeDefined();
    expect(ours).toHaveLength(2);
    for (const { config, client } of ours) {
      expect((config as { name: string }).name).toMatch(NAMED);
      expect(client).toBe(begin!.client);
    }
    expect(preparedOnServer).toEqual([{ name: (ours[0].config as { name: string }).name }]);
  });
});
