import type { FileUpload } from 'graphql-upload-minimal';
import { GraphQLUpload } from 'graphql-upload-minimal';
import { Arg, type ClassType, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { Base64FileInput } from '../../shared/files/file-input';
import { parseId } from '../../shared/ids';
import type { AvatarOwnerKind } from '../../shared/storage/avatar-files';
import type { RequestContext } from '../request-context';
import type { AvatarOwners } from './avatar.service';

/**
 * The base of the resolver of an avatar owner's type (`User`, `Company`): it adds the mutations
 * `upload<Type>Avatar` and `remove<Type>Avatar`, which name the owner by the argument `idArg`.
 */
export function AvatarMutations<K extends AvatarOwnerKind>(kind: K, ownerType: ClassType<AvatarOwners[K]>, idArg: string) {
  @Resolver()
  abstract class AvatarMutationsResolver {
    @Mutation(() => ownerType, {
      name: `upload${ownerType.name}Avatar`,
      description: 'Exactly one of `file` (multipart) or `base64`: a PNG, JPEG, WebP or GIF up to 5 MiB.',
    })
    uploadAvatar(
      @Arg(idArg, () => ID) id: string,
      @Ctx() ctx: RequestContext,
      @Arg('file', () => GraphQLUpload, { nullable: true }) file?: Promise<FileUpload>,
      @Arg('base64', () => Base64FileInput, { nullable: true }) base64?: Base64FileInput,
    ): Promise<AvatarOwners[K]> {
      return ctx.services.avatars[kind].upload(parseId(id, idArg), { file, base64 });
    }

    @Mutation(() => ownerType, { name: `remove${ownerType.name}Avatar` })
    removeAvatar(@Arg(idArg, () => ID) id: string, @Ctx() ctx: RequestContext): Promise<AvatarOwners[K]> {
      return ctx.services.avatars[kind].remove(parseId(id, idArg));
    }
  }
  return AvatarMutationsResolver;
}
