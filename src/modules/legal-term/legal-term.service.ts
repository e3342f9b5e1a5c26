import type { RequestContext } from '../../graphql/context';
import { notFound } from '../../shared/errors';
import type { User } from '../user/user.entity';
import type { LegalTermAcceptance } from './legal-term-acceptance.entity';
import { LegalTerm } from './legal-term.entity';

/** Published legal terms are public: a visitor reads them before signing up. */
export class LegalTermService {
  constructor(private readonly ctx: RequestContext) {}

  current(): Promise<LegalTerm | null> {
    return this.ctx.em.findOne(
      LegalTerm,
      { publishedAt: { $lte: new Date() } },
      { orderBy: { publishedAt: 'desc', id: 'desc' } },
    );
  }

  async get(id: number): Promise<LegalTerm> {
    const term = await this.ctx.loaders.legalTermById.load(id);
    if (!term || !isPublished(term)) throw notFound('legal term', id);
    return term;
  }

  /** The versions a (visible) user accepted, oldest first. */
  acceptancesOf(user: User): Promise<LegalTermAcceptance[]> {
    return this.ctx.loaders.acceptancesByUserId.load(user.id);
  }
}

export function isPublished(term: LegalTerm, now = new Date()): boolean {
  return Boolean(term.publishedAt && term.publishedAt <= now);
}
