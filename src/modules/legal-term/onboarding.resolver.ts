import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../request-context';
import { parseId } from '../../shared/ids';
import { User } from '../user/user.entity';
import { LegalTermAcceptance } from './legal-term-acceptance.entity';

/** The authenticated user's own onboarding steps. */
@Resolver()
export class OnboardingResolver {
  @Mutation(() => LegalTermAcceptance, {
    description:
      'Records that the viewer accepted this published version of the terms; accepting again returns the first acceptance.',
  })
  approveLegalTerm(@Arg('legalTermId', () => ID) legalTermId: string, @Ctx() ctx: RequestContext): Promise<LegalTermAcceptance> {
    return ctx.services.legalTerms.approve(parseId(legalTermId, 'legalTermId'));
  }

  @Mutation(() => User, {
    description:
      "Marks the viewer's onboarding as completed; requires the current terms to be accepted. Completing again keeps the first time.",
  })
  completeOnboarding(@Ctx() ctx: RequestContext): Promise<User> {
    return ctx.services.legalTerms.completeOnboarding();
  }
}
