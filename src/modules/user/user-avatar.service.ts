import type { RequestContext } from '../../graphql/context';
import { assertMayManageAccount } from '../auth/policy';
import type { FileInputArgs } from '../../shared/files/file-input';
import { removeAvatar, replaceAvatar } from '../../shared/storage/avatar-files';
import { User } from './user.entity';

/** User avatars: for the user itself, or whoever may manage the account (see the policy). */
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

  /** NOT_FOUND when the viewer may not see the user; FORBIDDEN when it sees it but may not manage the account. */
  private async findEditable(userId: number): Promise<User> {
    const viewer = this.ctx.requireViewer();
    const user = await this.ctx.services.users.findVisible(userId);
    if (user.id === viewer.id) return user;
    await assertMayManageAccount(await this.ctx.scope(), () => this.ctx.services.accesses.grantsHeldBy(user.id));
    return user;
  }
}
