import type { EntityClass } from '@mikro-orm/core';
import { loadExisting } from '../../db/load-existing';
import type { RequestLoader } from '../../db/request-loader';
import type { FileInputArgs } from '../../shared/files/file-input';
import type { MaybePromise } from '../../shared/maybe-promise';
import { type AvatarOwnerKind, type AvatarSwapped, removeAvatar, replaceAvatar } from '../../shared/storage/avatar-files';
import type { AuditAction } from '../audit/audit-trail';
import { appendDomainEvents, type DomainEventEntry, userPayload } from '../events/domain-events';
import { assertMayManageAccount, authorize } from '../auth/policy';
import { Company } from '../company/company.entity';
import type { RequestContext } from '../request-context';
import { User } from '../user/user.entity';

/** The rows that hold an avatar, by the kind that prefixes the keys of their files. */
export interface AvatarOwners {
  users: User;
  companies: Company;
}

/** What sets one kind of owner apart: its entity, its loader, who may edit its avatar, how the audit trail names it. */
interface AvatarOwnerRules<T> {
  entity: EntityClass<T>;
  loader(ctx: RequestContext): RequestLoader<number, T | undefined>;
  findEditable(ctx: RequestContext, id: number): Promise<T>;
  audit: {
    targetType: string;
    actions: Record<'upload' | 'remove', AuditAction>;
    /** The company the change is filed under; read before the swap's transaction opens. */
    companyOf(ctx: RequestContext, id: number): MaybePromise<number | null>;
  };
  /** The domain event of a changed avatar, when the owner's type has one (`user.updated`). */
  domainEvent?(owner: T, avatarKey: string | null, companyId: number | null): DomainEventEntry;
}

const OWNERS: { [K in AvatarOwnerKind]: AvatarOwnerRules<AvatarOwners[K]> } = {
  users: {
    entity: User,
    loader: (ctx) => ctx.loaders.userById,
    /**
     * For the user itself, or whoever may manage the account (see the policy). NOT_FOUND when the
     * viewer may not see the user; FORBIDDEN when it sees it but may not manage the account.
     */
    async findEditable(ctx, userId) {
      ctx.requireViewer();
      const user = await ctx.services.users.findVisible(userId);
      if (ctx.isSelf(user.id)) return user;
      await assertMayManageAccount(await ctx.scope(), () => ctx.services.accesses.userAccessesHeldBy(user.id));
      return user;
    },
    audit: {
      targetType: 'user',
      actions: { upload: 'user.avatar_upload', remove: 'user.avatar_remove' },
      companyOf: (ctx, userId) => ctx.services.accesses.primaryCompanyIdOf(userId),
    },
    domainEvent: (user, avatarKey, companyId) => ({
      type: 'user.updated',
      companyId,
      payload: userPayload({ ...user, avatarKey, updatedAt: new Date() }),
    }),
  },
  companies: {
    entity: Company,
    loader: (ctx) => ctx.loaders.companyById,
    /** For admins of the company (or of an ancestor). */
    async findEditable(ctx, companyId) {
      ctx.requireViewer();
      authorize(await ctx.scope(), 'company.manage', companyId, { kind: 'company', id: companyId });
      return loadExisting(ctx.loaders.companyById, companyId, 'company');
    },
    audit: {
      targetType: 'company',
      actions: { upload: 'company.avatar_upload', remove: 'company.avatar_remove' },
      companyOf: (_ctx, companyId) => companyId,
    },
  },
};

/** The avatars of one kind of owner (users or companies): upload a new image, or remove it. */
export class AvatarService<K extends AvatarOwnerKind> {
  private readonly owner: AvatarOwnerRules<AvatarOwners[K]>;

  constructor(
    private readonly ctx: RequestContext,
    private readonly kind: K,
  ) {
    this.owner = OWNERS[kind];
  }

  async upload(id: number, input: FileInputArgs): Promise<AvatarOwners[K]> {
    const owner = await this.owner.findEditable(this.ctx, id);
    const swapped = await this.auditedSwap('upload', owner);
    await replaceAvatar(this.ctx.deps, this.ctx.em, { kind: this.kind, entity: this.owner.entity, id: owner.id }, input, swapped);
    return this.reload(owner.id);
  }

  async remove(id: number): Promise<AvatarOwners[K]> {
    const owner = await this.owner.findEditable(this.ctx, id);
    const swapped = await this.auditedSwap('remove', owner);
    await removeAvatar(this.ctx.deps, this.ctx.em, { entity: this.owner.entity, id: owner.id }, swapped);
    return this.reload(owner.id);
  }

  /** Appends the events of a swap in its transaction (only a swap that changed the key calls it). */
  private async auditedSwap(verb: 'upload' | 'remove', owner: AvatarOwners[K]): Promise<AvatarSwapped> {
    const { targetType, actions, companyOf } = this.owner.audit;
    const companyId = await companyOf(this.ctx, owner.id);
    return async (tx, { previous, next }) => {
      await this.ctx.services.audit.record(tx, {
        action: actions[verb],
        targetType,
        targetId: owner.id,
        companyId,
        changes: { avatar: { old: previous, new: next } },
      });
      const domainEvent = this.owner.domainEvent?.(owner, next, companyId);
      if (domainEvent) await appendDomainEvents(tx, [domainEvent]);
    };
  }

  /** The row as the write left it (loaders hold what was read before it). */
  private async reload(id: number): Promise<AvatarOwners[K]> {
    return (await this.owner.loader(this.ctx).clear(id).load(id))!;
  }
}

/** The avatar service of each kind of owner, by kind. */
export function createAvatarServices(ctx: RequestContext): { [K in AvatarOwnerKind]: AvatarService<K> } {
  return { users: new AvatarService(ctx, 'users'), companies: new AvatarService(ctx, 'companies') };
}
