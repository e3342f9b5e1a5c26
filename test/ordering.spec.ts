import { createOrderedLists, expectedOrder, type OrderedLists, type OrderedRow } from './helpers/ordered-lists';
import { useTestWorld } from './helpers/setup';

const PAGE_FIELDS = `totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } }`;
const PAGE_ARGUMENTS = 'first: $first, after: $after, last: $last, before: $before';
const VARIABLES = '$first: Int, $after: String, $last: Int, $before: String';

/** Each ordered connection: its document (the connection answered as `list`), its fields, its rows. */
const CONNECTIONS = {
  users: {
    fields: ['ID', 'NAME', 'EMAIL', 'STATUS', 'CREATED_AT'],
    rows: (lists: OrderedLists) => lists.users,
    document: (lists: OrderedLists) => `query(${VARIABLES}, $orderBy: UserOrder) {
      list: users(${PAGE_ARGUMENTS}, orderBy: $orderBy, filter: { companyId: "${lists.companyId}" }) { ${PAGE_FIELDS} } }`,
    list: (data: any) => data.list,
  },
  members: {
    fields: ['ID', 'NAME', 'EMAIL', 'STATUS', 'CREATED_AT'],
    rows: (lists: OrderedLists) => lists.users,
    document: (lists: OrderedLists) => `query(${VARIABLES}, $orderBy: UserOrder) {
      company(id: "${lists.companyId}") { list: members(${PAGE_ARGUMENTS}, orderBy: $orderBy) { ${PAGE_FIELDS} } } }`,
    list: (data: any) => data.company.list,
  },
  companies: {
    fields: ['ID', 'NAME', 'CREATED_AT'],
    rows: (lists: OrderedLists) => lists.companies,
    document: (lists: OrderedLists) => `query(${VARIABLES}, $orderBy: CompanyOrder) {
      list: companies(${PAGE_ARGUMENTS}, orderBy: $orderBy, filter: { parentCompanyId: "${lists.rootId}" }) { ${PAGE_FIELDS} } }`,
    list: (data: any) => data.list,
  },
  importFiles: {
    fields: ['ID', 'NAME', 'STATUS', 'CREATED_AT'],
    rows: (lists: OrderedLists) => lists.importFiles,
    document: (lists: OrderedLists) => `query(${VARIABLES}, $orderBy: ImportFileOrder) {
      list: importFiles(${PAGE_ARGUMENTS}, orderBy: $orderBy, companyId: "${lists.companyId}") { ${PAGE_FIELDS} } }`,
    list: (data: any) => data.list,
  },
};
type ConnectionName = keyof typeof CONNECTIONS;

const CASES = Object.entries(CONNECTIONS).flatMap(([name, connection]) =>
  connection.fields.flatMap((field) =>
    (['ASC', 'DESC'] as const).map((direction) => [name as ConnectionName, field, direction] as const),
  ),
);

describe('ordered connections, paged both ways', () => {
  const { app, world } = useTestWorld();
  let lists: OrderedLists;

  beforeAll(async () => {
    lists = await createOrderedLists(app, 'ord');
  });

  const page = async (name: ConnectionName, variables: Record<string, unknown>) => {
    const { body } = await app.graphql(CONNECTIONS[name].document(lists), variables, world.token('superAdmin'));
    expect(body.errors).toBeUndefined();
    return CONNECTIONS[name].list(body.data);
  };

  it.each(CASES)(
    '%s by %s %s: forward and backward walks give the same sequence, ties broken by id',
    async (name, field, direction) => {
      const rows: OrderedRow[] = CONNECTIONS[name].rows(lists);
      const expected = expectedOrder(rows, field, direction);
      const orderBy = { field, direction };

      const forward: number[] = [];
      let after: string | null = null;
      for (;;) {
        const list = await page(name, { orderBy, first: 3, after });
        expect(list.totalCount).toBe(rows.length);
        expect(list.pageInfo.hasPreviousPage).toBe(after !== null);
        expect(list.pageInfo.startCursor).toBe(list.edges[0].cursor);
        expect(list.pageInfo.endCursor).toBe(list.edges.at(-1).cursor);
        forward.push(...list.edges.map((edge: any) => Number(edge.node.id)));
        if (!list.pageInfo.hasNextPage) break;
        after = list.pageInfo.endCursor;
      }
      expect(forward).toEqual(expected);

      const backward: number[] = [];
      let before: string | null = null;
      for (;;) {
        const list = await page(name, { orderBy, last: 3, before });
        expect(list.pageInfo.hasNextPage).toBe(before !== null);
        backward.unshift(...list.edges.map((edge: any) => Number(edge.node.id)));
        if (!list.pageInfo.hasPreviousPage) break;
        before = list.pageInfo.startCursor;
      }
      expect(backward).toEqual(expected);
    },
  );

  it.each(Object.keys(CONNECTIONS) as ConnectionName[])(
    '%s: last alone is the final page, and after with before is the range between them',
    async (name) => {
      const orderBy = { field: 'NAME', direction: 'DESC' };
      const expected = expectedOrder(CONNECTIONS[name].rows(lists), 'NAME', 'DESC');
      const final = await page(name, { orderBy, last: 4 });
      expect(final.edges.map((edge: any) => Number(edge.node.id))).toEqual(expected.slice(-4));
      expect(final.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });

      const all = await page(name, { orderBy, first: 100 });
      const cursors = all.edges.map((edge: any) => edge.cursor);
      const between = await page(name, { orderBy, first: 100, after: cursors[1], before: cursors[6] });
      expect(between.edges.map((edge: any) => Number(edge.node.id))).toEqual(expected.slice(2, 6));
      expect(between.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
      const betweenBackward = await page(name, { orderBy, last: 2, after: cursors[1], before: cursors[6] });
      expect(betweenBackward.edges.map((edge: any) => Number(edge.node.id))).toEqual(expected.slice(4, 6));
    },
  );

  it('keeps the default order and its plain id cursors when no orderBy is given', async () => {
    const list = await page('users', { first: 2 });
    expect(list.edges.map((edge: any) => Number(edge.node.id))).toEqual(expectedOrder(lists.users, 'ID', 'ASC').slice(0, 2));
    expect(Buffer.from(list.pageInfo.endCursor, 'base64url').toString()).toBe(`id:${list.edges[1].node.id}`);
    const explicit = await page('users', { first: 2, orderBy: { field: 'ID' } });
    expect(explicit).toEqual(list);
  });

  it('orders the text search of users too', async () => {
    const { body } = await app.graphql(
      `query { users(first: 100, filter: { q: "able" }, orderBy: { field: NAME, direction: DESC }) { edges { node { id } } } }`,
      {},
      world.token('superAdmin'),
    );
    const ables = lists.users.filter((row) => row.keys.NAME[0] === 'able');
    expect(body.data.users.edges.map((edge: any) => Number(edge.node.id))).toEqual(expectedOrder(ables, 'NAME', 'DESC'));
  });

  it('costs the same statements whatever the page size and direction', async () => {
    const count = async (name: ConnectionName, variables: Record<string, unknown>) =>
      app.countStatements(() => page(name, { orderBy: { field: 'NAME', direction: 'DESC' }, ...variables }));
    for (const name of Object.keys(CONNECTIONS) as ConnectionName[]) {
      const middle = (await page(name, { orderBy: { field: 'NAME', direction: 'DESC' }, first: 5 })).pageInfo.endCursor;
      const counts = [
        await count(name, { first: 1 }),
        await count(name, { first: 100 }),
        await count(name, { last: 1 }),
        await count(name, { last: 100 }),
        await count(name, { first: 2, after: middle }),
        await count(name, { last: 2, before: middle }),
      ];
      expect(new Set(counts).size).toBe(1);
      // The viewer with its scope, then the page with its count (a company's members: the company, the page, the count).
      expect(counts[0]).toBe(name === 'members' ? 4 : 2);
    }
  });
});
