import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Query, Resolver, Root } from 'type-graphql';
import { allOf, andThen, type MaybePromise } from '../../shared/maybe-promise';
import { pageRequest } from '../../graphql/connection';
import { selectsPath } from '../../graphql/selection';
import { TwoWayPageArgs } from '../page-args';
import type { RequestContext } from '../request-context';
import { parseId } from '../../shared/ids';
import { avatarUrl } from '../../shared/storage/avatar-url';
import { UserAccess } from '../access/user-access.entity';
import { Company } from '../company/company.entity';
import { LegalTermAcceptance } from '../legal-term/legal-term-acceptance.entity';
import { User } from './user.entity';
import { UserFilter } from './user.inputs';
import { UserOrder, userOrder } from './user-order';
import { UserConnection } from './user.types';

/** The fields of a user that read its grants (with their companies). */
const USER_ACCESS_FIELDS = ['accesses', 'primaryAccess', 'primaryCompany', 'companies'];

@Resolver(() => User)
export class UserResolver {
  @Query(() => User, { nullable: true })
  user(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<User> {
    return ctx.services.users.findVisible(parseId(id, 'id'));
  }

  @Query(() => User, { nullable: true, description: 'Case-insensitive; for managers and above.' })
  userByEmail(@Arg('email') email: string, @Ctx() ctx: RequestContext): Promise<User> {
    return ctx.services.users.findByEmail(email);
  }

  @Query(() => UserConnection, { description: 'The users the viewer may see, by id unless `orderBy` says otherwise.' })
  async users(
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @Args(() => TwoWayPageArgs) args: TwoWayPageArgs,
    @Arg('filter', () => UserFilter, { nullable: true }) filter?: UserFilter,
    @Arg('orderBy', () => UserOrder, { nullable: true }) orderBy?: UserOrder,
  ): Promise<UserConnection> {
    const page = await ctx.services.users.list(filter, pageRequest(args, info, userOrder(orderBy)));
    // Read the grants of the whole page before its rows resolve: every row then resolves without
    // waiting (the same one statement, but no promise per row and field).
    if (USER_ACCESS_FIELDS.some((field) => selectsPath(info, ['edges', 'node', field]))) {
      await ctx.loaders.userAccessesByUserId.loadMany(page.nodes.map((user) => user.id));
    }
    return new UserConnection(page);
  }

  @FieldResolver(() => String, { nullable: true })
  avatarUrl(@Root() user: User): string | null {
    return avatarUrl(user.avatarKey);
  }

  @FieldResolver(() => [UserAccess])
  accesses(@Root() user: User, @Ctx() ctx: RequestContext): MaybePromise<UserAccess[]> {
    return ctx.services.accesses.visibleUserAccessesOf(user.id);
  }

  @FieldResolver(() => UserAccess, { nullable: true })
  primaryAccess(@Root() user: User, @Ctx() ctx: RequestContext): MaybePromise<UserAccess | null> {
    return andThen(
      ctx.services.accesses.visibleUserAccessesOf(user.id),
      (userAccesses) => userAccesses.find((userAccess) => userAccess.primary) ?? null,
    );
  }

  @FieldResolver(() => Company, { nullable: true })
  primaryCompany(@Root() user: User, @Ctx() ctx: RequestContext): MaybePromise<Company | null> {
    return andThen(this.primaryAccess(user, ctx), (primary) =>
      primary ? ctx.services.companies.visibleOrNull(primary.company.id) : null,
    );
  }

  @FieldResolver(() => [Company])
  companies(@Root() user: User, @Ctx() ctx: RequestContext): MaybePromise<Company[]> {
    return andThen(ctx.services.accesses.visibleUserAccessesOf(user.id), (userAccesses) =>
      andThen(allOf(userAccesses.map((userAccess) => ctx.services.companies.visibleOrNull(userAccess.company.id))), (companies) =>
        companies.filter((company): company is Company => company !== null),
      ),
    );
  }

  @FieldResolver(() => [LegalTermAcceptance])
  acceptedLegalTerms(@Root() user: User, @Ctx() ctx: RequestContext): MaybePromise<LegalTermAcceptance[]> {
    return ctx.services.legalTerms.acceptancesOf(user);
  }
}
