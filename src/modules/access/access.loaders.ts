import type { EntityManager } from '@mikro-orm/postgresql';
import { entitiesByForeignKeyLoader, entityByIdLoader } from '../../db/batch-loaders';
import { Access } from './access.entity';
import { UserAccess } from './user-access.entity';

export function createAccessLoaders(em: EntityManager) {
  return {
    accessById: entityByIdLoader(em, Access),
    userAccessesByUserId: entitiesByForeignKeyLoader(em, UserAccess, 'user'),
  };
}
