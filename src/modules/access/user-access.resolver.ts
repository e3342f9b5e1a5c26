import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../graphql/context';
import { notFound } from '../../shared/errors';
import { Company } from '../company/company.entity';
import { User } from '../user/user.entity';
import { Access } from './access.entity';
import { UserAccess } from './user-access.entity';

/** Grants are only handed out for companies the viewer sees, so their relations are visible too. */
@Resolver(() => UserAccess)
export class UserAccessResolver {
  @FieldResolver(() => User)
  async user(@Root() grant: UserAccess, @Ctx() ctx: RequestContext): Promise<User> {
    return orMissing(await ctx.loaders.userById.load(grant.user.id), 'user', grant.user.id);
  }

  @FieldResolver(() => Company)
  async company(@Root() grant: UserAccess, @Ctx() ctx: RequestContext): Promise<Company> {
    return orMissing(await ctx.loaders.companyById.load(grant.company.id), 'company', grant.company.id);
  }

  @FieldResolver(() => Access)
  async access(@Root() grant: UserAccess, @Ctx() ctx: RequestContext): Promise<Access> {
    return orMissing(await ctx.loaders.accessById.load(grant.access.id), 'access', grant.access.id);
  }
}

function orMissing<T>(value: T | undefined, kind: string, id: number): T {
  if (value === undefined) throw notFound(kind, id);
  return value;
}
