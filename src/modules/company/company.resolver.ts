import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Query, Resolver, Root } from 'type-graphql';
import { pageRequest } from '../../graphql/connection';
import { TwoWayPageArgs } from '../page-args';
import type { RequestContext } from '../request-context';
import { parseId } from '../../shared/ids';
import { andThen, type MaybePromise } from '../../shared/maybe-promise';
import { avatarUrl } from '../../shared/storage/avatar-url';
import { Membership } from '../membership/membership.entity';
import { UserOrder, userOrder } from '../user/user-order';
import { UserConnection } from '../user/user.types';
import { Company } from './company.entity';
import { CompanyOrder, companyOrder } from './company-order';
import { CompanyFilter } from './company.inputs';
import { CompanyConnection } from './company.types';

@Resolver(() => Company)
export class CompanyResolver {
  @Query(() => Company, { nullable: true })
  company(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Company> {
    return ctx.services.companies.findVisible(parseId(id, 'id'));
  }

  @Query(() => CompanyConnection, { description: 'The companies the viewer may see, by id unless `orderBy` says otherwise.' })
  async companies(
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @Args(() => TwoWayPageArgs) args: TwoWayPageArgs,
    @Arg('filter', () => CompanyFilter, { nullable: true }) filter?: CompanyFilter,
    @Arg('orderBy', () => CompanyOrder, { nullable: true }) orderBy?: CompanyOrder,
  ): Promise<CompanyConnection> {
    return new CompanyConnection(await ctx.services.companies.list(filter, pageRequest(args, info, companyOrder(orderBy))));
  }

  @FieldResolver(() => String, { nullable: true })
  avatarUrl(@Root() company: Company): string | null {
    return avatarUrl(company.avatarKey);
  }

  @FieldResolver(() => Company, { nullable: true, description: 'Null for a root, or when the viewer may not see the parent.' })
  parentCompany(@Root() company: Company, @Ctx() ctx: RequestContext): MaybePromise<Company | null> {
    return ctx.services.companies.visibleOrNull(company.parent?.id);
  }

  @FieldResolver(() => ID, {
    nullable: true,
    description: "The parent's id, even when the viewer may not see the parent (an id is not its data); null only for a root.",
  })
  parentCompanyId(@Root() company: Company): string | null {
    return company.parent ? String(company.parent.id) : null;
  }

  @FieldResolver(() => [Company])
  children(@Root() company: Company, @Ctx() ctx: RequestContext): MaybePromise<Company[]> {
    return ctx.services.companies.visibleChildren(company);
  }

  @FieldResolver(() => Membership, { nullable: true })
  membership(@Root() company: Company, @Ctx() ctx: RequestContext): MaybePromise<Membership | null> {
    return company.membership ? andThen(ctx.loaders.membershipById.load(company.membership.id), (plan) => plan ?? null) : null;
  }

  @FieldResolver(() => UserConnection, {
    description: 'The users holding an access here, by id unless `orderBy` says otherwise.',
  })
  async members(
    @Root() company: Company,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @Args(() => TwoWayPageArgs) args: TwoWayPageArgs,
    @Arg('orderBy', () => UserOrder, { nullable: true }) orderBy?: UserOrder,
  ): Promise<UserConnection> {
    return new UserConnection(await ctx.services.companies.members(company, pageRequest(args, info, userOrder(orderBy))));
  }
}
