import type { RequestContext } from '../../graphql/context';
import { loadExisting } from '../../graphql/load-existing';
import { andThen, type MaybePromise } from '../../shared/maybe-promise';
import type { HeldGrant } from '../auth/policy';
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

  /** All of a user's grants with their accesses, visible or not: what the policy judges an account by. */
  async grantsHeldBy(userId: number): Promise<HeldGrant[]> {
    const grants = await this.ctx.loaders.userAccessesByUserId.load(userId);
    const accesses = await this.ctx.loaders.accessById.loadMany(grants.map((grant) => grant.access.id));
    return grants.map((grant, index) => {
      const access = accesses[index];
      if (!access || access instanceof Error) throw access ?? new Error(`access ${grant.access.id} of a grant is missing`);
      return { companyId: grant.company.id, access };
    });
  }
}
