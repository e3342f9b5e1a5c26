import { expectRefused } from './helpers/expect';
import { createOrderedLists, type OrderedLists } from './helpers/ordered-lists';
import { useTestWorld } from './helpers/setup';

const USERS = `query($first: Int, $after: String, $last: Int, $before: String, $orderBy: UserOrder) {
  users(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {
    pageInfo { startCursor endCursor } edges { node { id } }
  }
}`;
const cursor = (text: string) => Buffer.from(text).toString('base64url');
const NAME_ASC = { field: 'NAME', direction: 'ASC' };
const CREATED_ASC = { field: 'CREATED_AT', direction: 'ASC' };

describe('cursors and page sizes of ordered connections', () => {
  const { app, world } = useTestWorld();
  let lists: OrderedLists;

  beforeAll(async () => {
    lists = await createOrderedLists(app, 'cur');
  });

  const users = (variables: Record<string, unknown>) => app.graphql(USERS, variables, world.token('superAdmin'));
  const endCursor = async (orderBy?: object) => (await users({ first: 2, orderBy })).body.data.users.pageInfo.endCursor;

  it('refuses a cursor made in another order, in either direction, naming the argument', async () => {
    const byName = await endCursor(NAME_ASC);
    const byId = await endCursor();
    const refusals = [
      await users({ first: 2, after: byName, orderBy: { field: 'NAME', direction: 'DESC' } }),
      await users({ first: 2, after: byName, orderBy: { field: 'EMAIL', direction: 'ASC' } }),
      await users({ first: 2, after: byName }),
      await users({ last: 2, before: byId, orderBy: NAME_ASC }),
    ];
    refusals.forEach((refused, index) =>
      expectRefused(refused, 'BAD_USER_INPUT', {
        field: index === 3 ? 'before' : 'after',
        message: `${index === 3 ? 'before' : 'after'} was made for another order: pass the orderBy of the page it came from`,
      }),
    );
    // A company's cursor is not a user's, even in an order of the same name.
    const { body } = await app.graphql(
      `query { companies(first: 1, orderBy: { field: NAME }) { pageInfo { endCursor } } }`,
      {},
      world.token('superAdmin'),
    );
    expectRefused(await users({ first: 2, after: body.data.companies.pageInfo.endCursor, orderBy: NAME_ASC }), 'BAD_USER_INPUT', {
      field: 'after',
    });
  });

  it("takes a users' cursor for a company's members in the same order: both list users", async () => {
    const after = await endCursor(NAME_ASC);
    const { body } = await app.graphql(
      `query($after: String) { company(id: "${lists.companyId}") { members(first: 2, after: $after, orderBy: { field: NAME }) { edges { node { id } } } } }`,
      { after },
      world.token('superAdmin'),
    );
    expect(body.errors).toBeUndefined();
  });

  it.each([
    ['not JSON', cursor('user.name.asc:[nope')],
    ['too few keys', cursor('user.name.asc:["able",1]')],
    ['a number for a text key', cursor('user.name.asc:["able",2,1]')],
    ['a NUL in a key', cursor('user.name.asc:["a\\u0000b","ann",1]')],
    ['an overlong key', cursor(`user.name.asc:["${'a'.repeat(1001)}","ann",1]`)],
    ['an id that is not an integer', cursor('user.name.asc:["able","ann","1"]')],
    ['a negative id', cursor('user.name.asc:["able","ann",-1]')],
    ['an overlong cursor', 'a'.repeat(5000)],
    ['a timestamp of a day that does not exist', cursor('user.created_at.asc:["2026-02-30T00:00:00.000000Z",1]'), CREATED_ASC],
    ['a timestamp without microseconds', cursor('user.created_at.asc:["2026-01-01T00:00:00.000Z",1]'), CREATED_ASC],
    ['the year 0', cursor('user.created_at.asc:["0000-01-01T00:00:00.000000Z",1]'), CREATED_ASC],
  ])('refuses a cursor with %s as one this API did not issue', async (_label, after, orderBy = NAME_ASC) => {
    for (const [argument, variables] of [
      ['after', { first: 2, after, orderBy }],
      ['before', { last: 2, before: after, orderBy }],
    ] as const) {
      expectRefused(await users(variables), 'BAD_USER_INPUT', {
        field: argument,
        message: `${argument} is not a cursor this API issued`,
      });
    }
  });

  it('makes timestamp cursors exact to the microsecond, and pages from them', async () => {
    // Two users were created a microsecond apart, in the same millisecond.
    const first = await users({ first: 1, orderBy: CREATED_ASC });
    const next = await users({ first: 1, after: first.body.data.users.pageInfo.endCursor, orderBy: CREATED_ASC });
    expect(next.body.errors).toBeUndefined();
    expect(next.body.data.users.edges[0].node.id).not.toBe(first.body.data.users.edges[0].node.id);
    expect(Buffer.from(first.body.data.users.pageInfo.endCursor, 'base64url').toString()).toMatch(
      /^user\.created_at\.asc:\["\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z",\d+\]$/,
    );
  });

  it.each([
    ['first and last together', { first: 2, last: 2 }, 'last'],
    ['last over the cap', { last: 1001 }, 'last'],
    ['a negative last', { last: -1 }, 'last'],
    ['a page number cursor paged backward', { last: 2, after: cursor('offset:10') }, 'after'],
    ['a page number cursor as before', { first: 2, before: cursor('offset:10') }, 'before'],
  ])('refuses %s (%j) with BAD_USER_INPUT naming %s', async (_label, variables, field) => {
    expectRefused(await users({ orderBy: NAME_ASC, ...variables }), 'BAD_USER_INPUT', { field });
  });

  it('pages forward from a page number cursor in any order (numbered pages)', async () => {
    const all = await users({ first: 6, orderBy: NAME_ASC });
    const third = await users({ first: 2, after: cursor('offset:4'), orderBy: NAME_ASC });
    expect(third.body.data.users.edges).toEqual(all.body.data.users.edges.slice(4, 6));
  });

  it('counts a page size given as last, also as a variable, in the cost limit', async () => {
    const nested = (outer: string, inner: string) =>
      `query($outer: Int, $inner: Int) { users${outer} { edges { node { companies { members${inner} { edges { node { id email } } } } } } } }`;
    for (const query of [nested('(last: $outer)', '(last: $inner)'), nested('(first: $outer)', '(last: $inner)')]) {
      const refused = await app.graphql(query, { outer: 100, inner: 100 }, world.token('superAdmin'));
      expect(refused.body.errors[0].message).toMatch(/Cost limit of 150000/);
      const small = await app.graphql(query, { outer: 5, inner: 5 }, world.token('superAdmin'));
      expect(small.body.errors).toBeUndefined();
    }
  });
});
