import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../request-context';
import { parseId } from '../../shared/ids';
import { Membership } from './membership.entity';

@Resolver(() => Membership)
export class MembershipResolver {
  @Query(() => [Membership], { description: 'The plans a company can be on, cheapest first.' })
  memberships(@Ctx() ctx: RequestContext): Promise<Membership[]> {
    return ctx.services.memberships.list();
  }

  @Query(() => Membership, { nullable: true })
  membership(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Membership> {
    return ctx.services.memberships.get(parseId(id, 'id'));
  }
}
