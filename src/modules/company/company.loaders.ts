import type { EntityManager } from '@mikro-orm/postgresql';
import { entitiesByForeignKeyLoader, entityByIdLoader } from '../../db/batch-loaders';
import { createMembersLoader } from './company-members.loader';
import { Company } from './company.entity';

export function createCompanyLoaders(em: EntityManager) {
  return {
    companyById: entityByIdLoader(em, Company),
    childrenByCompanyId: entitiesByForeignKeyLoader(em, Company, 'parent'),
    membersPage: createMembersLoader(em),
  };
}
