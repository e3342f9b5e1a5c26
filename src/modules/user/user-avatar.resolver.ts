import type { FileUpload } from 'graphql-upload-minimal';
import { GraphQLUpload } from 'graphql-upload-minimal';
import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../../graphql/context';
import { Base64FileInput } from '../../shared/files/file-input';
import { parseId } from '../../shared/ids';
import { User } from './user.entity';

@Resolver(() => User)
export class UserAvatarResolver {
  @Mutation(() => User, { description: 'Exactly one of `file` (multipart) or `base64`: a PNG, JPEG, WebP or GIF up to 5 MiB.' })
  uploadUserAvatar(
    @Arg('userId', () => ID) userId: string,
    @Ctx() ctx: RequestContext,
    @Arg('file', () => GraphQLUpload, { nullable: true }) file?: Promise<FileUpload>,
    @Arg('base64', () => Base64FileInput, { nullable: true }) base64?: Base64FileInput,
  ): Promise<User> {
    return ctx.services.userAvatars.upload(parseId(userId, 'userId'), { file, base64 });
  }

  @Mutation(() => User)
  removeUserAvatar(@Arg('userId', () => ID) userId: string, @Ctx() ctx: RequestContext): Promise<User> {
    return ctx.services.userAvatars.remove(parseId(userId, 'userId'));
  }
}
