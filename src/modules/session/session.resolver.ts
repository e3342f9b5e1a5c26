import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../request-context';
import { User } from '../user/user.entity';
import { Session } from './session.entity';
import { AuthPayload, TokenInfo } from './session.types';

@Resolver(() => Session)
export class SessionResolver {
  @Mutation(() => AuthPayload, {
    description: 'Exchanges an email and password for an access token and a refresh token (a new session).',
  })
  login(@Arg('email') email: string, @Arg('password') password: string, @Ctx() ctx: RequestContext): Promise<AuthPayload> {
    return ctx.services.sessions.login(email, password);
  }

  @Mutation(() => AuthPayload, {
    description: 'Exchanges a refresh token for a new pair; the presented one dies. Reusing a used one ends the session.',
  })
  refreshSession(@Arg('refreshToken') refreshToken: string, @Ctx() ctx: RequestContext): Promise<AuthPayload> {
    return ctx.services.sessions.refresh(refreshToken);
  }

  @Mutation(() => Boolean, { description: "Ends this request's session: its tokens are refused from the next request on." })
  logout(@Ctx() ctx: RequestContext): Promise<boolean> {
    return ctx.services.sessions.logout();
  }

  @Query(() => [Session], {
    description: 'Live sessions of the viewer, or of `userId` for whoever may manage that account; last used first.',
  })
  sessions(
    @Arg('userId', () => ID, { nullable: true }) userId: string | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<Session[]> {
    return ctx.services.sessions.list(userId ?? undefined);
  }

  @Mutation(() => Boolean, { description: 'Ends a session of the viewer, or of a user whose account the viewer may manage.' })
  revokeSession(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    return ctx.services.sessions.revoke(id);
  }

  @Mutation(() => Int, {
    description:
      'Ends every session of the viewer (this one too), or of `userId` for whoever may manage that account; returns how many.',
  })
  revokeAllSessions(
    @Arg('userId', () => ID, { nullable: true }) userId: string | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<number> {
    return ctx.services.sessions.revokeAll(userId ?? undefined);
  }

  @FieldResolver(() => Boolean, { description: "Whether this is the session of the request's token." })
  current(@Root() session: Session, @Ctx() ctx: RequestContext): boolean {
    return ctx.services.sessions.isCurrent(session);
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
