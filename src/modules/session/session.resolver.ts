import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../request-context';
import { User } from '../user/user.entity';
import { AuthPayload, TokenInfo } from './session.types';

@Resolver()
export class SessionResolver {
  @Mutation(() => AuthPayload, { description: 'Exchanges an email and password for an access token.' })
  login(@Arg('email') email: string, @Arg('password') password: string, @Ctx() ctx: RequestContext): Promise<AuthPayload> {
    return ctx.services.sessions.login(email, password);
  }

  @Query(() => User, { description: 'The authenticated user.' })
  me(@Ctx() ctx: RequestContext): User {
    return ctx.requireViewer();
  }

  @Query(() => TokenInfo, { description: 'Checks the token sent with this request.' })
  validateToken(@Ctx() ctx: RequestContext): TokenInfo {
    return ctx.services.sessions.validateToken();
  }
}
