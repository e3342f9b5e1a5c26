import type { EntityManager } from '@mikro-orm/postgresql';
import { entityByIdLoader } from '../../db/entity-loaders';
import { queryPreparedArrays } from '../../db/prepared-statements';
import { columnCount, intArray, readColumns, toReadModel } from '../../db/read-models';
import { RequestLoader } from '../../db/request-loader';
import { Company } from '../company/company.entity';
import { type CompanyLoader, companyWithParentColumns, primeParent } from '../company/company.loaders';
import { Access } from './access.entity';
import { UserAccess } from './user-access.entity';

export function createAccessLoaders(em: EntityManager, companyById: CompanyLoader) {
  const accessById = entityByIdLoader(em, Access);
  /**
   * A user's grants, oldest first, read with their access, company and parent company in the same
   * statement: those loaders are primed, so `grant.access`, `grant.company`, `primaryCompany` and
   * their parents cost no further query.
   */
  const userAccessesByUserId = new RequestLoader<number, UserAccess[]>(async (userIds) => {
    const rows = await queryPreparedArrays(
      em,
      `select ${readColumns(em, UserAccess, 'ua')}, ${readColumns(em, Access, 'a')}, ${companyWithParentColumns(em)}
         from user_accesses ua
         join accesses a on a.id = ua.access_id
         join companies c on c.id = ua.company_id
         left join companies p on p.id = c.parent_id
        where ua.user_id = any(?::bigint[]) order by ua.id`,
      [intArray(userIds)],
    );
    const accessOffset = columnCount(em, UserAccess);
    const companyOffset = accessOffset + columnCount(em, Access);
    const byUser = new Map<number, UserAccess[]>(userIds.map((id) => [id, []]));
    for (const row of rows) {
      const userAccess = toReadModel(em, UserAccess, row);
      accessById.prime(userAccess.access.id, () => toReadModel(em, Access, row, accessOffset));
      companyById.prime(userAccess.company.id, () => toReadModel(em, Company, row, companyOffset));
      primeParent(em, companyById, row, companyOffset);
      byUser.get(userAccess.user.id)?.push(userAccess);
    }
    return userIds.map((id) => byUser.get(id)!);
  });
  return { accessById, userAccessesByUserId };
}
