import type { EntityManager } from '@mikro-orm/postgresql';
import { intArray } from '../../db/read-models';
import { conflict, notFound } from '../../shared/errors';
import { Company } from './company.entity';

/**
 * Enforces the company's membership plan: refuses (CONFLICT) when adding `newUserIds` would take
 * the number of distinct users holding an access in the company past the plan's `maxUsers`.
 * Call it inside the transaction that adds the accesses; it locks the company row so two
 * concurrent additions cannot both squeeze past the limit.
 */
export async function assertCompanyCapacity(tx: EntityManager, companyId: number, newUserIds: number[]): Promise<void> {
  const maxUsers = await lockCompanyPlan(tx, companyId);
  if (maxUsers === null || !newUserIds.length) return;
  const [{ total }]: { total: number }[] = await tx.getConnection().execute(
    `select count(*)::int as total from (
       select user_id from user_accesses where company_id = ?
       union
       select unnest(?::bigint[])
     ) members`,
    [companyId, intArray(newUserIds)],
    'all',
    tx.getTransactionContext(),
  );
  if (total > maxUsers) {
    const company = await tx.findOne(Company, companyId);
    throw conflict(`${company?.name ?? 'the company'} is limited to ${maxUsers} users by its membership`);
  }
}

/**
 * The batch variant, for adding users that hold no access in the company yet (an import): locks
 * the company row like `assertCompanyCapacity` and returns how many more users its plan admits,
 * or null when the plan has no limit. Call it inside the transaction that adds the accesses.
 */
export async function lockRemainingCompanyCapacity(tx: EntityManager, companyId: number): Promise<number | null> {
  const maxUsers = await lockCompanyPlan(tx, companyId);
  if (maxUsers === null) return null;
  const [{ total }]: { total: number }[] = await tx
    .getConnection()
    .execute(
      'select count(distinct user_id)::int as total from user_accesses where company_id = ?',
      [companyId],
      'all',
      tx.getTransactionContext(),
    );
  return Math.max(0, maxUsers - total);
}

/** Locks the company row and returns its plan's `maxUsers` (null: no limit); NOT_FOUND without the company. */
async function lockCompanyPlan(tx: EntityManager, companyId: number): Promise<number | null> {
  const rows: { max_users: number | null }[] = await tx
    .getConnection()
    .execute(
      'select m.max_users from companies c left join memberships m on m.id = c.membership_id where c.id = ? for update of c',
      [companyId],
      'all',
      tx.getTransactionContext(),
    );
  if (!rows.length) throw notFound('company', companyId);
  return rows[0].max_users;
}
