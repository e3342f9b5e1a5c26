import type { EntityManager } from '@mikro-orm/postgresql';
import { createAccessLoaders } from '../modules/access/access.loaders';
import { createCompanyLoaders } from '../modules/company/company.loaders';
import { createImportLoaders } from '../modules/import/import.loaders';
import { createLegalTermLoaders } from '../modules/legal-term/legal-term.loaders';
import { createMembershipLoaders } from '../modules/membership/membership.loaders';
import { createUserLoaders } from '../modules/user/user.loaders';

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
