import { Arg, Args, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../request-context';
import { parseId } from '../../shared/ids';
import { UserAccessesArgs } from './access.inputs';
import { UserAccess } from './user-access.entity';

@Resolver()
export class UserAccessMutationResolver {
  @Mutation(() => [UserAccess], {
    description:
      "Grants accesses in companies where the user holds none yet (admin of each company; at most 50). Returns all the user's grants the viewer sees, ordered by id.",
  })
  addUserAccesses(@Args() { userId, accesses }: UserAccessesArgs, @Ctx() ctx: RequestContext): Promise<UserAccess[]> {
    return ctx.services.userAccesses.add(parseId(userId, 'userId'), accesses);
  }

  @Mutation(() => [UserAccess], {
    description:
      "Replaces the user's grants in the companies the viewer manages; grants it may not manage are kept. Returns all the user's grants the viewer sees, ordered by id.",
  })
  setUserAccesses(@Args() { userId, accesses }: UserAccessesArgs, @Ctx() ctx: RequestContext): Promise<UserAccess[]> {
    return ctx.services.userAccesses.set(parseId(userId, 'userId'), accesses);
  }

  @Mutation(() => UserAccess, { description: 'Revokes one grant and returns it; a user keeps at least one access.' })
  removeUserAccess(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<UserAccess> {
    return ctx.services.userAccesses.remove(parseId(id, 'id'));
  }
}
