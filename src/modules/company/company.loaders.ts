import type { EntityManager } from '@mikro-orm/postgresql';
import { entitiesByForeignKeyLoader } from '../../db/entity-loaders';
import { type Page, type PageRequest, toPage } from '../../db/page';
import { queryPrepared, queryPreparedArrays } from '../../db/prepared-statements';
import { columnCount, intArray, readColumns, toReadModel } from '../../db/read-models';
import { RequestLoader } from '../../db/request-loader';
import { User } from '../user/user.entity';
import { Company } from './company.entity';

export type CompanyLoader = RequestLoader<number, Company | undefined>;

/** A company `c` and its parent `p` (left joined): the columns of each, in that order. */
export function companyWithParentColumns(em: EntityManager): string {
  return `${readColumns(em, Company, 'c')}, ${readColumns(em, Company, 'p')}`;
}

/**
 * Records the parent of a row of `companyWithParentColumns` (the company's columns from `offset`
 * on) in the loader, when it has one.
 */
export function primeParent(em: EntityManager, companyById: CompanyLoader, row: readonly unknown[], offset = 0): void {
  const parentOffset = offset + columnCount(em, Company);
  const parentId = row[parentOffset] as number | null;
  if (parentId !== null) companyById.prime(parentId, () => toReadModel(em, Company, row, parentOffset));
}

export function createCompanyLoaders(em: EntityManager) {
  /**
   * Companies by id, read with their parent in the same statement: the loader primes itself with
   * the parents, so `parentCompany` of a loaded list costs no further query.
   */
  const companyById: CompanyLoader = new RequestLoader(async (ids) => {
    const rows = await queryPreparedArrays(
      em,
      `select ${companyWithParentColumns(em)}
         from companies c left join companies p on p.id = c.parent_id
        where c.id = any(?::bigint[])`,
      [intArray(ids)],
    );
    const byId = new Map<number, Company>();
    for (const row of rows) {
      const company = toReadModel(em, Company, row);
      byId.set(company.id, company);
      primeParent(em, companyById, row);
    }
    return ids.map((id) => byId.get(id));
  });
  return {
    companyById,
    childrenByCompanyId: entitiesByForeignKeyLoader(em, Company, 'parent'),
    membersPage: membersPageLoader(em),
  };
}

interface MembersKey {
  companyId: number;
  request: PageRequest;
}

/**
 * `Company.members` for a whole list of companies in two statements: one page per company with a
 * window function, and one grouped count (run only when `totalCount` is selected).
 */
function membersPageLoader(em: EntityManager) {
  const countsByCompany = new RequestLoader<number, number>(async (companyIds) => {
    const rows: { company_id: number; total: number }[] = await queryPrepared(
      em,
      'select company_id, count(*)::int as total from user_accesses where company_id = any(?::bigint[]) group by company_id',
      [intArray(companyIds)],
    );
    const totals = new Map(rows.map((row) => [row.company_id, row.total]));
    return companyIds.map((id) => totals.get(id) ?? 0);
  });

  return new RequestLoader<MembersKey, Page<User>, string>(async (keys) => {
    const pages = new Map<string, Page<User>>();
    // Keys of one batch nearly always share a page request; each distinct one is one statement.
    for (const group of groupByRequest(keys)) {
      const { limit, afterId, offset } = group.request;
      const companyIds = group.companyIds;
      const rows = await queryPreparedArrays(
        em,
        `select * from (
             select ${readColumns(em, User, 'u')}, ua.company_id as member_of,
                    row_number() over (partition by ua.company_id order by u.id) as position_in_company
             from users u join user_accesses ua on ua.user_id = u.id
             where ua.company_id = any(?::bigint[]) and u.id > ?::bigint
           ) ranked where position_in_company > ? and position_in_company <= ? order by member_of, id`,
        [intArray(companyIds), afterId, offset, offset + limit + 1],
      );
      const memberOf = columnCount(em, User);
      for (const companyId of companyIds) {
        const users = rows.filter((row) => row[memberOf] === companyId).map((row) => toReadModel(em, User, row));
        pages.set(
          membersKeyId({ companyId, request: group.request }),
          toPage(users, group.request, () => countsByCompany.load(companyId)),
        );
      }
    }
    return keys.map((key) => pages.get(membersKeyId(key))!);
  }, membersKeyId);
}

function membersKeyId({ companyId, request }: MembersKey): string {
  return `${companyId}:${request.limit}:${request.afterId}:${request.offset}`;
}

function groupByRequest(keys: readonly MembersKey[]): { request: PageRequest; companyIds: number[] }[] {
  const groups = new Map<string, { request: PageRequest; companyIds: number[] }>();
  for (const key of keys) {
    const id = `${key.request.limit}:${key.request.afterId}:${key.request.offset}`;
    const group = groups.get(id) ?? { request: key.request, companyIds: [] };
    if (!group.companyIds.includes(key.companyId)) group.companyIds.push(key.companyId);
    groups.set(id, group);
  }
  return [...groups.values()];
}
