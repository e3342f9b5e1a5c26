import type { EntityManager } from '@mikro-orm/postgresql';
import { entitiesByForeignKeyLoader, entityByIdLoader } from '../../db/entity-loaders';
import { LegalTermAcceptance } from './legal-term-acceptance.entity';
import { LegalTerm } from './legal-term.entity';

export function createLegalTermLoaders(em: EntityManager) {
  return {
    legalTermById: entityByIdLoader(em, LegalTerm),
    acceptancesByUserId: entitiesByForeignKeyLoader(em, LegalTermAcceptance, 'user'),
  };
}
