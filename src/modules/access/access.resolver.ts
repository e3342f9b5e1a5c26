import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../request-context';
import { parseId } from '../../shared/ids';
import { Access } from './access.entity';

@Resolver(() => Access)
export class AccessResolver {
  @Query(() => [Access], { description: 'The roles a user can hold in a company, highest first.' })
  accesses(@Ctx() ctx: RequestContext): Promise<Access[]> {
    return ctx.services.accesses.list();
  }

  @Query(() => Access, { nullable: true })
  access(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Access> {
    return ctx.services.accesses.get(parseId(id, 'id'));
  }
}
