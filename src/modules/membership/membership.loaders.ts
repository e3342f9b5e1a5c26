import type { EntityManager } from '@mikro-orm/postgresql';
import { entityByIdLoader } from '../../db/entity-loaders';
import { Membership } from './membership.entity';

export function createMembershipLoaders(em: EntityManager) {
  return { membershipById: entityByIdLoader(em, Membership) };
}
