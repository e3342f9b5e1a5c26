import { recordStatements } from './helpers/statements';
import { useTestWorld } from './helpers/setup';

/**
 * `_entities`, the field a Federation router resolves references with, asked directly: each entity
 * as the query of its type answers it to this viewer, a hidden one null like a missing one, one
 * statement per entity type whatever the number of references, and bad representations refused.
 */

const { app, world } = useTestWorld();

const ENTITIES = `query($r: [_Any!]!) {
  _entities(representations: $r) {
    __typename
    ... on User { id email }
    ... on Company { id name }
    ... on Access { id key }
    ... on Membership { id name }
  }
}`;

const user = (id: number) => ({ __typename: 'User', id: String(id) });
const company = (id: number) => ({ __typename: 'Company', id: String(id) });

let planId: string;

/**
 * The tables `_entities` reads by id for these representations, one entry per statement, sorted
 * (the viewer's own statement, which every request makes, is left out).
 */
async function entityStatements(
  representations: unknown[],
  actor: 'acmeAdmin' | 'superAdmin',
  onAnswer: (body: any) => void = (body) => expect(body.errors).toBeUndefined(),
): Promise<string[]> {
  const sent = await recordStatements(async () => {
    onAnswer((await app.graphql(ENTITIES, { r: representations }, world.token(actor))).body);
  });
  return sent
    .map(({ config }) => (typeof config === 'string' ? config : (config as { text: string }).text))
    .filter((text) => /= any\(/.test(text))
    .map((text) => /\bfrom "?(\w+)"?/.exec(text)![1])
    .sort();
}

beforeAll(async () => {
  const plans = await app.graphql('{ memberships { id name } }', {}, world.token('superAdmin'));
  planId = plans.body.data.memberships[0].id;
});

describe('_entities', () => {
  it('answers each entity as its own query does, and null for a hidden or missing one, in the order asked, without an error', async () => {
    const { body } = await app.graphql(
      ENTITIES,
      {
        r: [
          user(world.users.eastMember.id),
          user(world.users.westMember.id),
          user(999_999),
          company(world.companies.acmeEast),
          company(world.companies.globex),
          { __typename: 'Access', id: String(world.accessIds.admin) },
          { __typename: 'Membership', id: planId },
          { __typename: 'Access', id: 999_999 },
        ],
      },
      world.token('acmeAdmin'),
    );
    expect(body.errors).toBeUndefined();
    expect(body.data._entities).toEqual([
      { __typename: 'User', id: String(world.users.eastMember.id), email: 'eastmember@example.com' },
      null,
      null,
      { __typename: 'Company', id: String(world.companies.acmeEast), name: 'Acme East' },
      null,
      { __typename: 'Access', id: String(world.accessIds.admin), key: 'admin' },
      { __typename: 'Membership', id: planId, name: expect.any(String) },
      null,
    ]);
  });

  it('shows the viewer itself, and what a super_admin sees everywhere', async () => {
    const self = await app.graphql(ENTITIES, { r: [user(world.users.westMember.id)] }, world.token('westMember'));
    expect(self.body.data._entities).toEqual([
      { __typename: 'User', id: String(world.users.westMember.id), email: 'westmember@example.com' },
    ]);
    const everything = await app.graphql(
      ENTITIES,
      { r: [user(world.users.westMember.id), company(world.companies.globex)] },
      world.token('superAdmin'),
    );
    expect(everything.body.data._entities.map((entity: { id: string } | null) => entity?.id)).toEqual([
      String(world.users.westMember.id),
      String(world.companies.globex),
    ]);
  });

  it('takes representations written in the document too', async () => {
    const { body } = await app.graphql(
      `{ _entities(representations: [{ __typename: "User", id: "${world.users.eastMember.id}" }]) { ... on User { email } } }`,
      {},
      world.token('eastManager'),
    );
    expect(body.data._entities).toEqual([{ email: 'eastmember@example.com' }]);
  });

  it('refuses an anonymous caller with UNAUTHENTICATED, as user(id) does', async () => {
    const { body } = await app.graphql(ENTITIES, { r: [user(world.users.eastMember.id)] });
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(body.data).toBeNull();
  });

  it('reads each entity type in one statement, for one reference or many', async () => {
    const everyUser = Object.values(world.users).map((fixture) => user(fixture.id));
    const one = await entityStatements([user(world.users.eastMember.id)], 'acmeAdmin');
    // The user's grants tell whether the admin of Acme may see the user: one statement for all of them too.
    expect(one).toEqual(['user_accesses', 'users']);
    const many = await entityStatements(
      [
        ...everyUser,
        company(world.companies.acme),
        company(world.companies.globexWest),
        { __typename: 'Access', id: String(world.accessIds.member) },
        { __typename: 'Access', id: String(world.accessIds.manager) },
        { __typename: 'Membership', id: planId },
      ],
      'acmeAdmin',
    );
    expect(many).toEqual(['accesses', 'companies', 'memberships', 'user_accesses', 'users']);
  });

  it('costs as many times its selection as it has representations (GRAPHQL_MAX_COST)', async () => {
    const heavy = `query($r: [_Any!]!) {
      _entities(representations: $r) { ... on User { companies { members(first: 100) { edges { node { email } } } } } }
    }`;
    const references = (count: number) => Array.from({ length: count }, () => user(world.users.eastMember.id));
    const few = await app.graphql(heavy, { r: references(10) }, world.token('superAdmin'));
    expect(few.body.errors).toBeUndefined();
    const many = await app.graphql(heavy, { r: references(1000) }, world.token('superAdmin'));
    expect(many.status).toBe(400);
    expect(many.body.errors[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
      message: expect.stringMatching(/Cost limit/),
    });
  });

  it.each([
    ['an unknown type', [{ __typename: 'Session', id: '1' }], 'representations[0].__typename'],
    ['a type that is no entity', [{ __typename: 'PageInfo', id: '1' }], 'representations[0].__typename'],
    ['no type', [{ id: '1' }], 'representations[0].__typename'],
    ['no id', [{ __typename: 'User' }], 'representations[0].id'],
    ['an id that is no id', [{ __typename: 'User', id: 'abc' }], 'representations[0].id'],
    ['an id that is an object', [{ __typename: 'User', id: { $gt: 0 } }], 'representations[0].id'],
    ['a representation that is no object', ['User:1'], 'representations[0]'],
    ['more than a page of them (1000)', Array.from({ length: 1001 }, () => ({ __typename: 'User', id: '1' })), 'representations'],
  ])('refuses %s with BAD_USER_INPUT naming it, loading nothing', async (_label, representations, field) => {
    let body: any;
    const loaded = await entityStatements([user(world.users.eastMember.id), ...representations], 'superAdmin', (result) => {
      body = result;
    });
    expect(loaded).toEqual([]);
    expect(body.data).toBeNull();
    expect(body.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      details: [{ field: field.replace(/\[0\]/, '[1]') }],
    });
  });
});
