import type { EntityManager } from '@mikro-orm/postgresql';
import { entitiesByForeignKeyLoader } from '../../db/batch-loaders';
import { queryPreparedArrays } from '../../db/prepared-statements';
import { columnCount, intArray, readColumns, toReadModel } from '../../db/read-models';
import { RequestLoader } from '../../db/request-loader';
import { createMembersLoader } from './company-members.loader';
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
    membersPage: createMembersLoader(em),
  };
}
