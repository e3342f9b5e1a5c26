import { queryPrepared } from '../src/db/prepared-statements';
import { Company } from '../src/modules/company/company.entity';
import { useTestApp } from './helpers/setup';

/** A prepared statement sent while a transaction is open runs in it, never on a second connection. */

const app = useTestApp();

const BACKEND = 'select pg_backend_pid() as pid, txid_current_if_assigned()::text as txid';

it("runs inside the caller's transaction: same connection, and it sees the transaction's own writes", async () => {
  await app.orm.em
    .fork()
    .transactional(async (tx) => {
      const company = tx.create(Company, { name: 'Written in the transaction' });
      await tx.flush();
      const [{ pid, txid }] = await tx.getConnection().execute(BACKEND, [], 'all', tx.getTransactionContext());
      expect(await queryPrepared(tx, BACKEND, [])).toEqual([{ pid, txid }]);
      expect(await queryPrepared(tx, 'select name from companies where id = ?::bigint', [company.id])).toEqual([
        { name: 'Written in the transaction' },
      ]);
      // Rolled back: nothing of this test stays.
      throw Object.assign(new Error('roll back'), { rollback: true });
    })
    .catch((error: { rollback?: boolean }) => {
      if (!error.rollback) throw error;
    });
  expect(await app.orm.em.fork().count(Company, { name: 'Written in the transaction' })).toBe(0);
});

it('runs on a pooled connection outside a transaction', async () => {
  expect(await queryPrepared(app.orm.em.fork(), 'select 1 as one', [])).toEqual([{ one: 1 }]);
});
