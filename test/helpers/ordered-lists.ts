import type { TestApp } from './test-app';

/**
 * Rows made for the ordering tests, with ties in every sort key (names equal but for case,
 * timestamps equal or a microsecond apart) so that only the id can break them. Texts differ first
 * at a letter, so every collation puts them in the same order as the comparisons below.
 */
export interface OrderedRow {
  id: number;
  /** Sort key values by order field (text lower-cased as the database compares it; timestamps as sortable text). */
  keys: Record<string, string[]>;
}

export interface OrderedLists {
  /** Holds an access of every user below: `users(filter: {companyId})` and its `members`. */
  companyId: number;
  /** The parent of the companies below (and of no other). */
  rootId: number;
  users: OrderedRow[];
  companies: OrderedRow[];
  importFiles: OrderedRow[];
}

const TIMESTAMPS = ['2026-01-01 00:00:00.000002', '2026-01-01 00:00:00.000001', '2025-12-31 23:59:59.999999'];
const at = (index: number) => TIMESTAMPS[(index * 2) % TIMESTAMPS.length];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

export async function createOrderedLists(app: TestApp, prefix: string): Promise<OrderedLists> {
  const sql = app.orm.em.fork().getConnection();
  const insertOne = async (statement: string, values: unknown[]): Promise<number> =>
    Number((await sql.execute(`${statement} returning id`, values))[0].id);

  const rootId = await insertOne(`insert into companies (name) values (?)`, [`${prefix} root`]);
  const companyId = await insertOne(`insert into companies (name) values (?)`, [`${prefix} members`]);
  const [{ id: member }] = await sql.execute(`select id from accesses where key = 'member'`);

  const users: OrderedRow[] = [];
  const lastNames = ['Able', 'able', 'Baker', 'Cole', 'baker'];
  const firstNames = ['Ann', 'ann', 'Bob'];
  const userStatuses = ['active', 'pending', 'inactive', 'active'];
  for (let index = 0; index < 13; index += 1) {
    const [lastName, firstName] = [lastNames[index % 5], firstNames[index % 3]];
    const status = userStatuses[index % 4];
    // Unique, in an order that is not the ids'.
    const email = `${prefix}${LETTERS[(index * 7) % 26]}@example.com`;
    const id = await insertOne(
      `insert into users (first_name, last_name, email, status, created_at) values (?, ?, ?, ?, ?::timestamptz)`,
      [firstName, lastName, email, status, `${at(index)}+00`],
    );
    await sql.execute(`insert into user_accesses (user_id, company_id, access_id, "primary") values (?, ?, ?, true)`, [
      id,
      companyId,
      member,
    ]);
    users.push({
      id,
      keys: {
        ID: [],
        NAME: [lastName.toLowerCase(), firstName.toLowerCase()],
        EMAIL: [email],
        STATUS: [status],
        CREATED_AT: [at(index)],
      },
    });
  }

  const companies: OrderedRow[] = [];
  const companyNames = ['Zeta', 'alpha', 'Alpha', 'beta', 'Beta'];
  for (let index = 0; index < 11; index += 1) {
    const name = companyNames[index % 5];
    const id = await insertOne(`insert into companies (name, parent_id, created_at) values (?, ?, ?::timestamptz)`, [
      name,
      rootId,
      `${at(index)}+00`,
    ]);
    companies.push({ id, keys: { ID: [], NAME: [name.toLowerCase()], CREATED_AT: [at(index)] } });
  }

  const importFiles: OrderedRow[] = [];
  const fileNames = ['b.csv', 'A.csv', 'a.csv', 'c.csv'];
  const importStatuses = ['completed', 'failed', 'completed', 'queued', 'processing'];
  for (let index = 0; index < 10; index += 1) {
    const [name, status] = [fileNames[index % 4], importStatuses[index % 5]];
    const id = await insertOne(
      `insert into import_files (name, company_id, storage_key, status, created_at) values (?, ?, ?, ?, ?::timestamptz)`,
      [name, companyId, `imports/${companyId}/${index}.csv`, status, `${at(index)}+00`],
    );
    importFiles.push({ id, keys: { ID: [], NAME: [name.toLowerCase()], STATUS: [status], CREATED_AT: [at(index)] } });
  }
  return { companyId, rootId, users, companies, importFiles };
}

/** The ids of `rows` in the order `field` and `direction` name, ties broken by id in the same direction. */
export function expectedOrder(rows: OrderedRow[], field: string, direction: 'ASC' | 'DESC'): number[] {
  const compare = (a: OrderedRow, b: OrderedRow): number => {
    for (let index = 0; index < a.keys[field].length; index += 1) {
      const [x, y] = [a.keys[field][index], b.keys[field][index]];
      if (x !== y) return x < y ? -1 : 1;
    }
    return a.id - b.id;
  };
  const sorted = [...rows].sort(compare).map((row) => row.id);
  return direction === 'ASC' ? sorted : sorted.reverse();
}
