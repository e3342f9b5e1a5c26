import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { notFound } from '../../shared/errors';
import { User } from '../user/user.entity';
import { Access } from './access.entity';
import type { RequestedGrant } from './user-access-request';
import { UserAccess } from './user-access.entity';

/** What one mutation does to a user's grants; applied by `applyGrantChanges` inside a transaction. */
export interface GrantChanges {
  remove: UserAccess[];
  changeAccess: { grant: UserAccess; access: Access }[];
  add: RequestedGrant[];
  /** The company whose grant must end up primary; otherwise the current primary stays, or the oldest grant takes over. */
  primaryCompanyId?: number;
}

/**
 * Locks the user's row, so that concurrent changes to one user's grants run one after the other,
 * then reads its grants fresh (with their access), oldest first.
 */
export async function lockGrantsOf(tx: EntityManager, userId: number): Promise<UserAccess[]> {
  const locked = await tx
    .createQueryBuilder(User)
    .select('id')
    .where({ id: userId })
    .setLockMode(LockMode.PESSIMISTIC_WRITE)
    .execute('get');
  if (!locked) throw notFound('user', userId);
  return tx.find(UserAccess, { user: userId }, { orderBy: { id: 'asc' }, populate: ['access'], refresh: true });
}

/**
 * Writes the changes so that the partial unique index `user_accesses_single_primary` holds after
 * every statement: a first flush clears the old primary (when another grant takes over), writes new
 * rows as non-primary and deletes; a second flush sets the one primary. Returns all the user's grants.
 */
export async function applyGrantChanges(
  tx: EntityManager,
  userId: number,
  current: UserAccess[],
  changes: GrantChanges,
): Promise<UserAccess[]> {
  const oldPrimary = current.find((grant) => grant.primary);
  if (oldPrimary && changes.primaryCompanyId !== undefined && oldPrimary.company.id !== changes.primaryCompanyId) {
    oldPrimary.primary = false;
  }
  changes.remove.forEach((grant) => tx.remove(grant));
  changes.changeAccess.forEach(({ grant, access }) => (grant.access = tx.getReference(Access, access.id)));
  changes.add.forEach(({ company, access }) =>
    tx.create(UserAccess, { user: userId, company: company.id, access: access.id, primary: false }),
  );
  await tx.flush();

  const grants = await tx.find(UserAccess, { user: userId }, { orderBy: { id: 'asc' } });
  const primary =
    grants.find((grant) => grant.company.id === changes.primaryCompanyId) ?? grants.find((grant) => grant.primary) ?? grants[0];
  if (primary && !primary.primary) {
    primary.primary = true;
    await tx.flush();
  }
  return grants;
}
