import type { RequestContext } from '../../graphql/context';
import { loadExisting } from '../../graphql/load-existing';
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
    return loadExisting(this.ctx.loaders.accessById, id, 'access');
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
