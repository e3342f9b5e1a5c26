import type { FileUpload } from 'graphql-upload-minimal';
import { GraphQLUpload } from 'graphql-upload-minimal';
import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../../graphql/context';
import { Base64FileInput } from '../../shared/files/file-input';
import { parseId } from '../../shared/ids';
import { Company } from './company.entity';
import { CreateCompanyInput } from './company.inputs';

@Resolver(() => Company)
export class CompanyMutationResolver {
  @Mutation(() => Company, { description: 'A root company (super_admin only) or a child of a company the viewer administers.' })
  createCompany(@Arg('input', () => CreateCompanyInput) input: CreateCompanyInput, @Ctx() ctx: RequestContext): Promise<Company> {
    return ctx.services.companies.create(input);
  }

  @Mutation(() => Company, {
    description: 'Exactly one of `file` (multipart) or `base64`: a PNG, JPEG, WebP or GIF up to 5 MiB.',
  })
  uploadCompanyAvatar(
    @Arg('companyId', () => ID) companyId: string,
    @Ctx() ctx: RequestContext,
    @Arg('file', () => GraphQLUpload, { nullable: true }) file?: Promise<FileUpload>,
    @Arg('base64', () => Base64FileInput, { nullable: true }) base64?: Base64FileInput,
  ): Promise<Company> {
    return ctx.services.companyAvatars.upload(parseId(companyId, 'companyId'), { file, base64 });
  }

  @Mutation(() => Company)
  removeCompanyAvatar(@Arg('companyId', () => ID) companyId: string, @Ctx() ctx: RequestContext): Promise<Company> {
    return ctx.services.companyAvatars.remove(parseId(companyId, 'companyId'));
  }
}
