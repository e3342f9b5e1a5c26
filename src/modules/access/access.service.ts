import type { RequestContext } from '../../graphql/context';
import { notFound } from '../../shared/errors';
import { andThen, type MaybePromise } from '../../shared/maybe-promise';
import { Access } from './access.entity';
import type { UserAccess } from './user-access.entity';

export class AccessService {
  constructor(private readonly ctx: RequestContext) {}

  list(): Promise<Access[]> {
    this.ctx.requireViewer();
    return this.ctx.em.find(Access, {}, { orderBy: { rank: 'desc' } });
  }

  async get(id: number): Promise<Access> {
    this.ctx.requireViewer();
    const access = await this.ctx.loaders.accessById.load(id);
    if (!access) throw notFound('access', id);
    return access;
  }

  /** A user's grants in the companies the viewer sees. */
  visibleGrantsOf(userId: number): MaybePromise<UserAccess[]> {
    return andThen(this.ctx.scope(), (scope) =>
      andThen(this.ctx.loaders.userAccessesByUserId.load(userId), (grants) =>
        grants.filter((grant) => scope.canSeeCompany(grant.company.id)),
      ),
    );
  }
}
