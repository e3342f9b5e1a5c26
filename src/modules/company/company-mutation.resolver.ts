import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { AvatarMutations } from '../avatar/avatar.resolver';
import type { RequestContext } from '../request-context';
import { Company } from './company.entity';
import { CreateCompanyInput } from './company.inputs';

/** `createCompany`, and `uploadCompanyAvatar(companyId, file | base64)` and `removeCompanyAvatar(companyId)`. */
@Resolver(() => Company)
export class CompanyMutationResolver extends AvatarMutations('companies', Company, 'companyId') {
  @Mutation(() => Company, { description: 'A root company (super_admin only) or a child of a company the viewer administers.' })
  createCompany(@Arg('input', () => CreateCompanyInput) input: CreateCompanyInput, @Ctx() ctx: RequestContext): Promise<Company> {
    return ctx.services.companies.create(input);
  }
}
