import type { EntityManager } from '@mikro-orm/postgresql';
import { entitiesByForeignKeyLoader } from '../../db/entity-loaders';
import { selectSortKeys } from '../../db/list-order';
import { type Page, type PageRequest, pageSql, toPage } from '../../db/page';
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
 * window function, in the request's order, and one grouped count (run only when `totalCount` is selected).
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
      const { request, companyIds } = group;
      const keyset = pageSql(request, 'u');
      const rows = await queryPreparedArrays(
        em,
        `select * from (
             select ${readColumns(em, User, 'u')}${selectSortKeys(request.order, 'u')}, ua.company_id as member_of,
                    row_number() over (partition by ua.company_id order by ${keyset.orderBy}) as position_in_company
             from users u join user_accesses ua on ua.user_id = u.id
             where ua.company_id = any(?::bigint[])${keyset.conditions}
           ) ranked where position_in_company > ? and position_in_company <= ? order by member_of, position_in_company`,
        [intArray(companyIds), ...keyset.values, request.offset, request.offset + request.limit + 1],
      );
      const keysFrom = columnCount(em, User);
      const memberOf = keysFrom + request.order.keys.length;
      for (const companyId of companyIds) {
        const members = rows.filter((row) => row[memberOf] === companyId);
        pages.set(
          membersKeyId({ companyId, request }),
          toPage(
            members.map((row) => toReadModel(em, User, row)),
            request,
            () => countsByCompany.load(companyId),
            members.map((row) => row.slice(keysFrom, memberOf) as string[]),
          ),
        );
      }
    }
    return keys.map((key) => pages.get(membersKeyId(key))!);
  }, membersKeyId);
}

/** What makes two page requests read the same rows (the count aside, which runs apart). */
function requestId({ limit, order, after, before, offset, backward }: PageRequest): string {
  return JSON.stringify([limit, order.name, after, before, offset, backward]);
}

function membersKeyId({ companyId, request }: MembersKey): string {
  return `${companyId}:${requestId(request)}`;
}

function groupByRequest(keys: readonly MembersKey[]): { request: PageRequest; companyIds: number[] }[] {
  const groups = new Map<string, { request: PageRequest; companyIds: number[] }>();
  for (const key of keys) {
    const id = requestId(key.request);
    const group = groups.get(id) ?? { request: key.request, companyIds: [] };
    if (!group.companyIds.includes(key.companyId)) group.companyIds.push(key.companyId);
    groups.set(id, group);
  }
  return [...groups.values()];
}
