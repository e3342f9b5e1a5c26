import type { EntityManager } from '@mikro-orm/postgresql';
import { createAccessLoaders } from './access/access.loaders';
import { createCompanyLoaders } from './company/company.loaders';
import { createImportLoaders } from './import/import.loaders';
import { createLegalTermLoaders } from './legal-term/legal-term.loaders';
import { createMembershipLoaders } from './membership/membership.loaders';
import { createUserLoaders } from './user/user.loaders';

/** Every loader of one request; built fresh per request so nothing is cached across viewers. */
export function createLoaders(em: EntityManager) {
  const companies = createCompanyLoaders(em);
  return {
    ...createUserLoaders(em),
    ...companies,
    ...createAccessLoaders(em, companies.companyById),
    ...createMembershipLoaders(em),
    ...createLegalTermLoaders(em),
    ...createImportLoaders(em),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
