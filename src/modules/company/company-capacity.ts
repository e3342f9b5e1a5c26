import type { EntityManager } from '@mikro-orm/postgresql';
import { queryPrepared } from '../../db/prepared-statements';
import { intArray } from '../../db/read-models';
import { conflict, notFound } from '../../shared/errors';

/**
 * A plan belongs to a root company and bounds the distinct users of its whole tree: a child company
 * takes its parent's plan, so creating children never lifts the limit.
 */

/** The root above a company (the company itself for a root). */
const ROOT_OF = `with recursive up (id, parent_id) as (
    select id, parent_id from companies where id = ?::bigint
    union all
    select c.id, c.parent_id from companies c join up on c.id = up.parent_id
  ) select id::int from up where parent_id is null`;

/** Locks a root company and reads its name and its plan's limit (null: no limit). */
const LOCK_PLAN = `select c.name, m.max_users from companies c left join memberships m on m.id = c.membership_id
  where c.id = ?::bigint for update of c`;

/** The distinct users holding a grant anywhere in a root's tree, together with the given ones. */
const TREE_MEMBERS = `with recursive tree (id) as (
    select ?::bigint union all select c.id from companies c join tree on c.parent_id = tree.id
  ) select count(*)::int as total from (
    select user_id from user_accesses where company_id in (select id from tree)
    union
    select unnest(?::bigint[])
  ) members`;

/**
 * Refuses (CONFLICT) when adding `newUserIds` to the given companies would take any of their trees
 * past its plan's `maxUsers`. Call it inside the transaction that adds the grants: it locks each
 * tree's root (in ascending id order, so concurrent additions cannot deadlock) until the commit.
 */
export async function assertCompanyCapacity(tx: EntityManager, companyIds: number[], newUserIds: number[]): Promise<void> {
  for (const rootId of await rootsOf(tx, companyIds)) {
    const { name, maxUsers } = await lockPlan(tx, rootId);
    if (maxUsers === null || !newUserIds.length) continue;
    if ((await treeMembers(tx, rootId, newUserIds)) > maxUsers) {
      throw conflict(`${name} is limited to ${maxUsers} users across its companies by its membership`);
    }
  }
}

/**
 * The batch variant, for adding users that hold no grant anywhere yet (an import): locks the tree's
 * root like `assertCompanyCapacity` and returns how many more users its plan admits, or null when
 * the plan has no limit.
 */
export async function lockRemainingCompanyCapacity(tx: EntityManager, companyId: number): Promise<number | null> {
  const [rootId] = await rootsOf(tx, [companyId]);
  const { maxUsers } = await lockPlan(tx, rootId);
  if (maxUsers === null) return null;
  return Math.max(0, maxUsers - (await treeMembers(tx, rootId, [])));
}

async function rootsOf(tx: EntityManager, companyIds: number[]): Promise<number[]> {
  const roots = new Set<number>();
  for (const companyId of companyIds) {
    const [root] = await queryPrepared<{ id: number }>(tx, ROOT_OF, [companyId]);
    if (!root) throw notFound('company', companyId);
    roots.add(root.id);
  }
  return [...roots].sort((a, b) => a - b);
}

async function lockPlan(tx: EntityManager, rootId: number): Promise<{ name: string; maxUsers: number | null }> {
  const [row] = await queryPrepared<{ name: string; max_users: number | null }>(tx, LOCK_PLAN, [rootId]);
  if (!row) throw notFound('company', rootId);
  return { name: row.name, maxUsers: row.max_users };
}

async function treeMembers(tx: EntityManager, rootId: number, newUserIds: number[]): Promise<number> {
  const [{ total }] = await queryPrepared<{ total: number }>(tx, TREE_MEMBERS, [rootId, intArray(newUserIds)]);
  return total;
}
