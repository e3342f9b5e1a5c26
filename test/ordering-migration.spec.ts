import { rmSync } from 'node:fs';
import { openDatabase } from '../src/db/database';
import { keysetCondition, type ListOrder, orderByKeys } from '../src/db/list-order';
import { CompanyOrderField, companyOrder } from '../src/modules/company/company-order';
import { OrderDirection } from '../src/modules/page-args';
import { UserOrderField, userOrder } from '../src/modules/user/user-order';
import { emptyDataDir } from './helpers/prepared-database';
import { testConfig } from './helpers/test-app';
import { createTestDatabase } from './helpers/test-database';

const BEFORE = 'Migration20261205200000';
const ORDER_INDEXES = [
  'users_name_order_index',
  'users_created_at_id_index',
  'users_status_id_index',
  'companies_name_order_index',
  'companies_created_at_id_index',
];

/**
 * The migration of the list orders' indexes, on a database with rows: each index serves its order
 * (the expressions of the sort keys are the index's), and down() restores the status index.
 */
describe('migrating to the indexes of the list orders', () => {
  it('adds an index each order reads its pages from, and takes it back', async () => {
    const database = await createTestDatabase({ empty: true });
    const dataDir = emptyDataDir('gateway-order-migration-', !database.url);
    const opened = await openDatabase(testConfig(dataDir, database.url));
    try {
      const migrator = opened.orm.getMigrator();
      await migrator.up({ to: BEFORE });
      const knex = opened.orm.em.getConnection().getKnex();
      await knex.raw(`insert into users (first_name, last_name, email) values ('Early', 'Adopter', 'early@example.com')`);
      await migrator.up();
      expect(await migrator.getPendingMigrations()).toEqual([]);
      expect(await indexesOf(knex)).toEqual(expect.arrayContaining(ORDER_INDEXES));
      expect(await indexesOf(knex)).not.toContain('users_status_index');

      const plans: [ListOrder, string, string][] = [
        [userOrder({ field: UserOrderField.NAME }), 'users', 'users_name_order_index'],
        [userOrder({ field: UserOrderField.CREATED_AT, direction: OrderDirection.DESC }), 'users', 'users_created_at_id_index'],
        [userOrder({ field: UserOrderField.STATUS }), 'users', 'users_status_id_index'],
        [
          companyOrder({ field: CompanyOrderField.NAME, direction: OrderDirection.DESC }),
          'companies',
          'companies_name_order_index',
        ],
        [companyOrder({ field: CompanyOrderField.CREATED_AT }), 'companies', 'companies_created_at_id_index'],
      ];
      for (const [order, table, index] of plans) {
        const position = { keys: order.keys.map((key) => (key.type === 'text' ? 'm' : '2026-01-01T00:00:00.000000Z')), id: 1 };
        const bound = keysetCondition(order, 't', 'after', position);
        const plan = await knex.transaction(async (trx) => {
          // On a table of one row a scan is cheaper: only an index that fits the order may do instead of a sort.
          await trx.raw('set local enable_seqscan = off');
          await trx.raw('set local enable_sort = off');
          const sql = `explain select t.id from ${table} t where ${bound.sql} order by ${orderByKeys(order, 't', order.descending)} limit 5`;
          return (await trx.raw(sql, bound.values)).rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
        });
        expect(plan).toContain(index);
        expect(plan).not.toMatch(/\bSort\b/);
      }

      await migrator.down({ to: BEFORE });
      const after = await indexesOf(knex);
      expect(after).toContain('users_status_index');
      expect(after.filter((name) => ORDER_INDEXES.includes(name))).toEqual([]);
    } finally {
      await opened.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

async function indexesOf(knex: { raw: (sql: string) => Promise<{ rows: { indexname: string }[] }> }): Promise<string[]> {
  const { rows } = await knex.raw(`select indexname from pg_indexes where tablename in ('users', 'companies')`);
  return rows.map((row) => row.indexname);
}
