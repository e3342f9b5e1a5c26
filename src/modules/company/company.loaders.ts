import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { entitiesByForeignKeyLoader } from '../../db/batch-loaders';
import { intArray, readColumns, toReadModel } from '../../db/read-models';
import { createMembersLoader } from './company-members.loader';
import { Company } from './company.entity';

export function createCompanyLoaders(em: EntityManager) {
  /**
   * Companies by id, read with their parent in the same statement: the loader primes itself with
   * the parents, so `parentCompany` of a loaded list costs no further query.
   */
  const companyById: DataLoader<number, Company | undefined> = new DataLoader(async (ids) => {
    const rows: Record<string, unknown>[] = await em.getConnection().execute(
      `select ${readColumns(em, Company, 'c')}, ${readColumns(em, Company, 'p', 'parent__')}
         from companies c left join companies p on p.id = c.parent_id
        where c.id = any(?::bigint[])`,
      [intArray(ids)],
    );
    const byId = new Map<number, Company>();
    for (const row of rows) {
      const company = toReadModel(em, Company, row);
      byId.set(company.id, company);
      if (row.parent__id !== null) {
        const parent = toReadModel(em, Company, row, 'parent__');
        companyById.prime(parent.id, parent);
      }
    }
    return ids.map((id) => byId.get(id));
  });
  return {
    companyById,
    childrenByCompanyId: entitiesByForeignKeyLoader(em, Company, 'parent'),
    membersPage: createMembersLoader(em),
  };
}
