import type { GraphQLResolveInfo } from 'graphql';
import type { FileUpload } from 'graphql-upload-minimal';
import type { MaybePromise } from '../../shared/maybe-promise';
import { GraphQLUpload } from 'graphql-upload-minimal';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { pageRequest } from '../../graphql/connection';
import { TwoWayPageArgs } from '../page-args';
import type { RequestContext } from '../request-context';
import { Base64FileInput } from '../../shared/files/file-input';
import { parseId, parseOptionalId } from '../../shared/ids';
import { Company } from '../company/company.entity';
import { ImportFile } from './import-file.entity';
import { ImportRowError } from './import-row-error.entity';
import { type ImportRowErrorView, MAX_LISTED_ROW_ERRORS } from './import.loaders';
import { ImportFileOrder, importFileOrder } from './import-order';
import { ImportFileConnection } from './import.types';

@Resolver(() => ImportFile)
export class ImportResolver {
  @Mutation(() => ImportFile, {
    description:
      'For admins of the company. Exactly one of `file` (multipart) or `base64`: a UTF-8 CSV up to 5 MiB with the header ' +
      '`email,first_name,last_name,access` (access optional, default member). Returns the QUEUED import at once.',
  })
  startImport(
    @Arg('companyId', () => ID) companyId: string,
    @Ctx() ctx: RequestContext,
    @Arg('file', () => GraphQLUpload, { nullable: true }) file?: Promise<FileUpload>,
    @Arg('base64', () => Base64FileInput, { nullable: true }) base64?: Base64FileInput,
  ): Promise<ImportFile> {
    return ctx.services.imports.start(parseId(companyId, 'companyId'), { file, base64 });
  }

  @Query(() => ImportFileConnection, {
    description: 'Imports of the companies where the viewer is a manager or above, by id unless `orderBy` says otherwise.',
  })
  async importFiles(
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @Args(() => TwoWayPageArgs) args: TwoWayPageArgs,
    @Arg('companyId', () => ID, { nullable: true }) companyId?: string,
    @Arg('orderBy', () => ImportFileOrder, { nullable: true }) orderBy?: ImportFileOrder,
  ): Promise<ImportFileConnection> {
    const request = pageRequest(args, info, importFileOrder(orderBy));
    const page = await ctx.services.imports.list(parseOptionalId(companyId, 'companyId'), request);
    return new ImportFileConnection(page);
  }

  @Query(() => ImportFile, { nullable: true, description: 'For managers and above of its company.' })
  importFile(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<ImportFile> {
    return ctx.services.imports.findReadable(parseId(id, 'id'));
  }

  @FieldResolver(() => Company)
  company(@Root() importFile: ImportFile, @Ctx() ctx: RequestContext): MaybePromise<Company> {
    return ctx.services.imports.companyOf(importFile);
  }

  @FieldResolver(() => [ImportRowError], {
    description: `The rows that were not imported, by row number (row 1 is the first record after the header, blank lines not counted; row 0 is the file as a whole); at most the first ${MAX_LISTED_ROW_ERRORS}.`,
  })
  errors(@Root() importFile: ImportFile, @Ctx() ctx: RequestContext): MaybePromise<ImportRowErrorView[]> {
    return ctx.services.imports.errorsOf(importFile);
  }
}
