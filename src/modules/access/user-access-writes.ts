import type { EntityManager } from '@mikro-orm/postgresql';
import { queryPrepared } from '../../db/prepared-statements';
import { notFound } from '../../shared/errors';
import { Access } from './access.entity';
import type { RequestedUserAccess } from './user-access-request';
import { UserAccess } from './user-access.entity';

/** What one mutation does to a user's grants; applied by `applyUserAccessChanges` inside a transaction. */
export interface UserAccessChanges {
  remove: UserAccess[];
  changeAccess: { userAccess: UserAccess; access: Access }[];
  add: RequestedUserAccess[];
  /** The company whose grant must end up primary; otherwise the current primary stays, or the oldest grant takes over. */
  primaryCompanyId?: number;
}

/**
 * Locks the user's row, so that concurrent changes to one user's grants run one after the other,
 * then reads its grants fresh (with their access), oldest first.
 */
export async function lockUserAccessesOf(tx: EntityManager, userId: number): Promise<UserAccess[]> {
  const [locked] = await queryPrepared(tx, 'select id from users where id = ? for update', [userId]);
  if (!locked) throw notFound('user', userId);
  return tx.find(UserAccess, { user: userId }, { orderBy: { id: 'asc' }, populate: ['access'], refresh: true });
}

/**
 * Writes the changes so that the partial unique index `user_accesses_single_primary` holds after
 * every statement: a first flush clears the old primary (when another grant takes over), writes new
 * rows as non-primary and deletes; a second flush sets the one primary. Returns all the user's grants.
 */
export async function applyUserAccessChanges(
  tx: EntityManager,
  userId: number,
  current: UserAccess[],
  changes: UserAccessChanges,
): Promise<UserAccess[]> {
  const oldPrimary = current.find((userAccess) => userAccess.primary);
  if (oldPrimary && changes.primaryCompanyId !== undefined && oldPrimary.company.id !== changes.primaryCompanyId) {
    oldPrimary.primary = false;
  }
  changes.remove.forEach((userAccess) => tx.remove(userAccess));
  changes.changeAccess.forEach(({ userAccess, access }) => (userAccess.access = tx.getReference(Access, access.id)));
  changes.add.forEach(({ company, access }) =>
    tx.create(UserAccess, { user: userId, company: company.id, access: access.id, primary: false }),
  );
  await tx.flush();

  const userAccesses = await tx.find(UserAccess, { user: userId }, { orderBy: { id: 'asc' } });
  const primary =
    userAccesses.find((userAccess) => userAccess.company.id === changes.primaryCompanyId) ??
    userAccesses.find((userAccess) => userAccess.primary) ??
    userAccesses[0];
  if (primary && !primary.primary) {
    primary.primary = true;
    await tx.flush();
  }
  return userAccesses;
}
