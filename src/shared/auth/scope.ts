import type { EntityManager } from '@mikro-orm/postgresql';
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
 * One statement: the viewer's grants, spread down the company tree, highest rank per company.
 * A super_admin grant covers every company already, so it is not spread.
 */
export async function loadScope(em: EntityManager, userId: number): Promise<Scope> {
  const rows: { company_id: number; rank: number }[] = await em.getConnection().execute(
    `with recursive reach (company_id, rank) as (
       select ua.company_id, a.rank from user_accesses ua join accesses a on a.id = ua.access_id where ua.user_id = ?
       union
       select c.id, reach.rank from companies c join reach on c.parent_id = reach.company_id where reach.rank < ?
     )
     select company_id, max(rank)::int as rank from reach group by company_id`,
    [userId, ACCESS_RANK.super_admin],
  );
  const rankByCompany = new Map(rows.map((row) => [row.company_id, row.rank]));
  const isSuperAdmin = rows.some((row) => row.rank >= ACCESS_RANK.super_admin);
  return new Scope(isSuperAdmin, isSuperAdmin ? new Map() : rankByCompany);
}
