import type { RequestContext } from '../../graphql/context';
import { can } from '../auth/policy';
import { forbidden } from '../../shared/errors';
import type { FileInputArgs } from '../../shared/files/file-input';
import { removeAvatar, replaceAvatar } from '../../shared/storage/avatar-files';
import { User } from './user.entity';

/** User avatars: for the user itself, or an admin of a company where the user holds an access. */
export class UserAvatarService {
  constructor(private readonly ctx: RequestContext) {}

  async upload(userId: number, input: FileInputArgs): Promise<User> {
    const user = await this.findEditable(userId);
    await replaceAvatar(this.ctx.deps, this.ctx.em, { kind: 'users', entity: User, id: user.id }, input);
    return this.reload(user.id);
  }

  async remove(userId: number): Promise<User> {
    const user = await this.findEditable(userId);
    await removeAvatar(this.ctx.deps, this.ctx.em, { entity: User, id: user.id });
    return this.reload(user.id);
  }

  /** The row as the write left it (loaders hold what was read before it). */
  private async reload(userId: number): Promise<User> {
    return (await this.ctx.loaders.userById.clear(userId).load(userId))!;
  }

  /** NOT_FOUND when the viewer may not see the user, FORBIDDEN when it sees it but may not edit. */
  private async findEditable(userId: number): Promise<User> {
    const viewer = this.ctx.requireViewer();
    const user = await this.ctx.services.users.findVisible(userId);
    if (user.id === viewer.id) return user;
    const scope = await this.ctx.scope();
    if (scope.isSuperAdmin) return user;
    const grants = await this.ctx.loaders.userAccessesByUserId.load(user.id);
    if (!grants.some((grant) => can(scope, 'user.manage', grant.company.id))) {
      throw forbidden("not allowed to change this user's avatar");
    }
    return user;
  }
}
