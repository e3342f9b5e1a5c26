import { queryPrepared } from '../../db/prepared-statements';
import { appendDomainEvents, userPayload } from '../events/domain-events';
import type { RequestContext } from '../request-context';
import type { MaybePromise } from '../../shared/maybe-promise';
import { badInput, notFound } from '../../shared/errors';
import { User } from '../user/user.entity';
import { LegalTermAcceptance } from './legal-term-acceptance.entity';
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
  acceptancesOf(user: User): MaybePromise<LegalTermAcceptance[]> {
    return this.ctx.loaders.acceptancesByUserId.load(user.id);
  }

  /**
   * Records that the viewer accepted a published version (drafts answer NOT_FOUND, as `legalTerm`
   * does). Accepting it again keeps the first acceptance and its time; concurrent calls insert one row.
   */
  async approve(legalTermId: number): Promise<LegalTermAcceptance> {
    const viewer = this.ctx.requireViewer();
    const term = await this.get(legalTermId);
    const companyId = await this.ctx.services.accesses.primaryCompanyIdOf(viewer.id);
    await this.ctx.em.transactional(async (tx) => {
      const inserted = await queryPrepared<{ id: number }>(
        tx,
        'insert into legal_term_acceptances (user_id, legal_term_id, accepted_at) values (?, ?, now()) on conflict (user_id, legal_term_id) do nothing returning id',
        [viewer.id, term.id],
      );
      // Accepting again changes nothing, and records nothing.
      if (!inserted.length) return;
      await this.ctx.services.audit.record(tx, {
        action: 'legal_term.approve',
        targetType: 'legal_term_acceptance',
        targetId: inserted[0].id,
        companyId,
        changes: {
          user: { old: null, new: viewer.id },
          legalTerm: { old: null, new: term.id },
          version: { old: null, new: term.version },
        },
      });
    });
    this.ctx.loaders.acceptancesByUserId.clear(viewer.id);
    return this.ctx.em.findOneOrFail(LegalTermAcceptance, { user: viewer.id, legalTerm: term.id });
  }

  /**
   * Stamps the viewer's onboarding as completed once it accepted the current terms (when there are
   * published terms at all). Completing again keeps the first timestamp.
   */
  async completeOnboarding(): Promise<User> {
    const viewer = this.ctx.requireViewer();
    if (viewer.onboardingCompletedAt) return viewer;
    const current = await this.current();
    if (current && !(await this.ctx.em.count(LegalTermAcceptance, { user: viewer.id, legalTerm: current.id }))) {
      throw badInput(
        `accept the current legal terms (version ${current.version}, id ${current.id}) with approveLegalTerm before completing the onboarding`,
      );
    }
    const companyId = await this.ctx.services.accesses.primaryCompanyIdOf(viewer.id);
    const now = new Date();
    await this.ctx.em.transactional(async (tx) => {
      // Conditional, so that two concurrent completions keep the first timestamp (and only the first is recorded).
      const completed = await tx.nativeUpdate(
        User,
        { id: viewer.id, onboardingCompletedAt: null },
        { onboardingCompletedAt: now, updatedAt: now },
      );
      if (!completed) return;
      await this.ctx.services.audit.record(tx, {
        action: 'user.onboarding_complete',
        targetType: 'user',
        targetId: viewer.id,
        companyId,
        changes: { onboardingCompletedAt: { old: null, new: now } },
      });
      await appendDomainEvents(tx, [
        { type: 'user.updated', companyId, payload: userPayload({ ...viewer, onboardingCompletedAt: now, updatedAt: now }) },
      ]);
    });
    return this.ctx.em.findOneOrFail(User, viewer.id, { refresh: true });
  }
}

export function isPublished(term: LegalTerm, now = new Date()): boolean {
  return Boolean(term.publishedAt && term.publishedAt <= now);
}
