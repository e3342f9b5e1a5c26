import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../request-context';
import { loadExisting } from '../../db/load-existing';
import type { MaybePromise } from '../../shared/maybe-promise';
import { parseId } from '../../shared/ids';
import { User } from '../user/user.entity';
import { LegalTermAcceptance } from './legal-term-acceptance.entity';
import { LegalTerm } from './legal-term.entity';

@Resolver(() => LegalTerm)
export class LegalTermResolver {
  @Query(() => LegalTerm, { nullable: true, description: 'The newest published terms; public.' })
  currentLegalTerm(@Ctx() ctx: RequestContext): Promise<LegalTerm | null> {
    return ctx.services.legalTerms.current();
  }

  @Query(() => LegalTerm, { nullable: true, description: 'A published version of the terms; public.' })
  legalTerm(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<LegalTerm> {
    return ctx.services.legalTerms.get(parseId(id, 'id'));
  }
}

@Resolver(() => LegalTermAcceptance)
export class LegalTermAcceptanceResolver {
  @FieldResolver(() => User, { description: 'Who accepted.' })
  async user(@Root() acceptance: LegalTermAcceptance, @Ctx() ctx: RequestContext): Promise<User> {
    return ctx.services.users.findVisible(acceptance.user.id);
  }

  @FieldResolver(() => LegalTerm)
  legalTerm(@Root() acceptance: LegalTermAcceptance, @Ctx() ctx: RequestContext): MaybePromise<LegalTerm> {
    return loadExisting(ctx.loaders.legalTermById, acceptance.legalTerm.id, 'legal term');
  }
}
