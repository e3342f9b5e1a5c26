import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../request-context';
import { loadExisting } from '../../db/load-existing';
import type { MaybePromise } from '../../shared/maybe-promise';
import { parseId } from '../../shared/ids';
import { Access } from '../access/access.entity';
import { Company } from '../company/company.entity';
import { User } from '../user/user.entity';
import { ApiKey } from './api-key.entity';
import { CreateApiKeyInput } from './api-key.inputs';
import { CreateApiKeyPayload } from './api-key.types';

/** Only admins of a key's company ever get it, so its company and access are visible to them. */
@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Mutation(() => CreateApiKeyPayload, {
    description: 'For admins of the company, with an access up to their own rank there; not with an API key.',
  })
  createApiKey(
    @Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput,
    @Ctx() ctx: RequestContext,
  ): Promise<CreateApiKeyPayload> {
    return ctx.services.apiKeys.create(input);
  }

  @Query(() => [ApiKey], {
    description: 'The keys of a company (not of those below it), newest first, revoked ones included; for its admins.',
  })
  apiKeys(@Arg('companyId', () => ID) companyId: string, @Ctx() ctx: RequestContext): Promise<ApiKey[]> {
    return ctx.services.apiKeys.list(parseId(companyId, 'companyId'));
  }

  @Mutation(() => ApiKey, {
    description: 'Refused from the next request on; revoking a revoked key returns it unchanged. For admins of its company.',
  })
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<ApiKey> {
    return ctx.services.apiKeys.revoke(parseId(id, 'id'));
  }

  @FieldResolver(() => Company)
  company(@Root() apiKey: ApiKey, @Ctx() ctx: RequestContext): MaybePromise<Company> {
    return loadExisting(ctx.loaders.companyById, apiKey.company.id, 'company');
  }

  @FieldResolver(() => Access)
  access(@Root() apiKey: ApiKey, @Ctx() ctx: RequestContext): MaybePromise<Access> {
    return loadExisting(ctx.loaders.accessById, apiKey.access.id, 'access');
  }

  /** The creator may be an admin of a company above, whom an admin of the key's company does not see. */
  @FieldResolver(() => User, { nullable: true, description: 'Null when the viewer may not see that user.' })
  async createdBy(@Root() apiKey: ApiKey, @Ctx() ctx: RequestContext): Promise<User | null> {
    const creator = await ctx.loaders.userById.load(apiKey.createdBy.id);
    return creator && (await ctx.services.users.isVisible(creator)) ? creator : null;
  }
}
