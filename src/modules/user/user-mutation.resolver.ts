import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../request-context';
import { parseId } from '../../shared/ids';
import { User } from './user.entity';
import { CreateUserInput, UpdateUserInput } from './user.inputs';

@Resolver()
export class UserMutationResolver {
  @Mutation(() => User, { description: 'For admins of the company; the access given becomes the primary one.' })
  createUser(@Arg('input', () => CreateUserInput) input: CreateUserInput, @Ctx() ctx: RequestContext): Promise<User> {
    return ctx.services.userMutations.createUser(input);
  }

  @Mutation(() => User, { description: 'Own names and password; admins of the user also its email and status.' })
  updateUser(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateUserInput) input: UpdateUserInput,
    @Ctx() ctx: RequestContext,
  ): Promise<User> {
    return ctx.services.userMutations.updateUser(parseId(id, 'id'), input);
  }
}
