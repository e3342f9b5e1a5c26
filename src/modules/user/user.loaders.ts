import type { EntityManager } from '@mikro-orm/postgresql';
import { entityByIdLoader } from '../../db/entity-loaders';
import { User } from './user.entity';

export function createUserLoaders(em: EntityManager) {
  return { userById: entityByIdLoader(em, User) };
}
