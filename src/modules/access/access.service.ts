import type { RequestContext } from '../request-context';
import { loadExisting } from '../../db/load-existing';
import { andThen, type MaybePromise } from '../../shared/maybe-promise';
import type { HeldUserAccess } from '../auth/policy';
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
  visibleUserAccessesOf(userId: number): MaybePromise<UserAccess[]> {
    return andThen(this.ctx.scope(), (scope) =>
      andThen(this.ctx.loaders.userAccessesByUserId.load(userId), (userAccesses) =>
        userAccesses.filter((userAccess) => scope.canSeeCompany(userAccess.company.id)),
      ),
    );
  }

  /**
   * The company of a user's primary grant, where the audit trail files a change of the account.
   * Through the request's loader: free when the request read the user's grants already (an
   * authorization did), one statement otherwise. Call it before a transaction opens.
   */
  async primaryCompanyIdOf(userId: number): Promise<number | null> {
    const userAccesses = await this.ctx.loaders.userAccessesByUserId.load(userId);
    return userAccesses.find((userAccess) => userAccess.primary)?.company.id ?? null;
  }

  /** All of a user's grants with their accesses, visible or not: what the policy judges an account by. */
  async userAccessesHeldBy(userId: number): Promise<HeldUserAccess[]> {
    const userAccesses = await this.ctx.loaders.userAccessesByUserId.load(userId);
    const accesses = await this.ctx.loaders.accessById.loadMany(userAccesses.map((userAccess) => userAccess.access.id));
    return userAccesses.map((userAccess, index) => {
      const access = accesses[index];
      if (!access || access instanceof Error) throw access ?? new Error(`access ${userAccess.access.id} of a grant is missing`);
      return { companyId: userAccess.company.id, access };
    });
  }
}
