import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { entityByIdLoader } from '../../db/batch-loaders';
import { intArray, readColumns, toReadModel } from '../../db/read-models';
import { Access } from './access.entity';
import { UserAccess } from './user-access.entity';

export function createAccessLoaders(em: EntityManager) {
  const accessById = entityByIdLoader(em, Access);
  /**
   * A user's grants, oldest first, read with their access in the same statement: the access
   * loader is primed, so `grant.access` costs no further query.
   */
  const userAccessesByUserId = new DataLoader<number, UserAccess[]>(async (userIds) => {
    const rows: Record<string, unknown>[] = await em.getConnection().execute(
      `select ${readColumns(em, UserAccess, 'ua')}, ${readColumns(em, Access, 'a', 'access__')}
         from user_accesses ua join accesses a on a.id = ua.access_id
        where ua.user_id = any(?::bigint[]) order by ua.id`,
      [intArray(userIds)],
    );
    const byUser = new Map<number, UserAccess[]>(userIds.map((id) => [id, []]));
    for (const row of rows) {
      const grant = toReadModel(em, UserAccess, row);
      const access = toReadModel(em, Access, row, 'access__');
      accessById.prime(access.id, access);
      byUser.get(grant.user.id)?.push(grant);
    }
    return userIds.map((id) => byUser.get(id)!);
  });
  return { accessById, userAccessesByUserId };
}
