import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../request-context';
import { loadExisting } from '../../db/load-existing';
import type { MaybePromise } from '../../shared/maybe-promise';
import { Company } from '../company/company.entity';
import { User } from '../user/user.entity';
import { Access } from './access.entity';
import { UserAccess } from './user-access.entity';

/** Grants are only handed out for companies the viewer sees, so their relations are visible too. */
@Resolver(() => UserAccess)
export class UserAccessResolver {
  @FieldResolver(() => User)
  user(@Root() userAccess: UserAccess, @Ctx() ctx: RequestContext): MaybePromise<User> {
    return loadExisting(ctx.loaders.userById, userAccess.user.id, 'user');
  }

  @FieldResolver(() => Company)
  company(@Root() userAccess: UserAccess, @Ctx() ctx: RequestContext): MaybePromise<Company> {
    return loadExisting(ctx.loaders.companyById, userAccess.company.id, 'company');
  }

  @FieldResolver(() => Access)
  access(@Root() userAccess: UserAccess, @Ctx() ctx: RequestContext): MaybePromise<Access> {
    return loadExisting(ctx.loaders.accessById, userAccess.access.id, 'access');
  }
}
