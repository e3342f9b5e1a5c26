import type { EntityManager } from '@mikro-orm/postgresql';
import { queryPrepared, queryPreparedArrays } from '../../db/prepared-statements';
import { columnCount, readColumns, toReadModel } from '../../db/read-models';
import { User } from '../user/user.entity';
import { ACCESS_RANK } from './roles';

/**
 * What a viewer may reach: for every company it can see, the highest rank it holds there. A grant
 * in a company applies to that company and all its descendants; a super_admin sees everything.
 */
export class Scope {
  static readonly anonymous = new Scope(false, new Map());

  constructor(
    readonly isSuperAdmin: boolean,
    private readonly rankByCompany: ReadonlyMap<number, number>,
  ) {}

  /** Every company, and so every user, even one without any grant. */
  get seesEverything(): boolean {
    return this.isSuperAdmin;
  }

  canSeeCompany(companyId: number): boolean {
    return this.isSuperAdmin || this.rankByCompany.has(companyId);
  }

  /** The viewer's rank in a company (0 when it has none there). */
  rankIn(companyId: number): number {
    return this.isSuperAdmin ? ACCESS_RANK.super_admin : (this.rankByCompany.get(companyId) ?? 0);
  }

  /** The visible companies; undefined means "all of them" (super_admin), so callers skip the filter. */
  visibleCompanyIds(): number[] | undefined {
    return this.isSuperAdmin ? undefined : [...this.rankByCompany.keys()];
  }

  /** The companies where the viewer holds at least `rank`. */
  companyIdsWithRank(rank: number): number[] | undefined {
    if (this.isSuperAdmin) return undefined;
    return [...this.rankByCompany].filter(([, held]) => held >= rank).map(([companyId]) => companyId);
  }
}

/**
 * The viewer's grants, spread down the company tree (as `reach`). A super_admin grant covers every
 * company already, so it is not spread. Parameters: the user id, the super_admin rank.
 */
const REACH = `with recursive reach (company_id, rank) as (
    select ua.company_id, a.rank from user_accesses ua join accesses a on a.id = ua.access_id where ua.user_id = ?
    union
    select c.id, reach.rank from companies c join reach on c.parent_id = reach.company_id where reach.rank < ?
  )`;
const HIGHEST_RANK_PER_COMPANY = 'select company_id, max(rank)::int as rank from reach group by company_id';

function toScope(rows: { company_id: number; rank: number }[]): Scope {
  const isSuperAdmin = rows.some((row) => row.rank >= ACCESS_RANK.super_admin);
  return new Scope(isSuperAdmin, isSuperAdmin ? new Map() : new Map(rows.map((row) => [row.company_id, row.rank])));
}

/** One statement: the highest rank per company the user reaches. */
export async function loadScope(em: EntityManager, userId: number): Promise<Scope> {
  return toScope(await queryPrepared(em, `${REACH} ${HIGHEST_RANK_PER_COMPANY}`, [userId, ACCESS_RANK.super_admin]));
}

/** One statement for what every authenticated request starts with: the user and its scope. */
export async function loadViewer(em: EntityManager, userId: number): Promise<{ user: User; scope: Scope } | undefined> {
  const [row] = await queryPreparedArrays(
    em,
    `${REACH}
     select ${readColumns(em, User, 'u')},
            (select coalesce(json_agg(json_build_array(company_id, rank)), '[]'::json) from (${HIGHEST_RANK_PER_COMPANY}) ranks) as reached
       from users u where u.id = ?`,
    [userId, ACCESS_RANK.super_admin, userId],
  );
  if (!row) return undefined;
  const reached = row[columnCount(em, User)] as [number, number][];
  const scope = toScope(reached.map(([company_id, rank]) => ({ company_id, rank })));
  return { user: toReadModel(em, User, row), scope };
}
