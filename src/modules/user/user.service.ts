import type { RequestContext } from '../request-context';
import type { Page, PageRequest } from '../../db/page';
import { paginate } from '../../db/paginate';
import { intArray } from '../../db/read-models';
import { SqlConditions } from '../../db/sql-conditions';
import { matchEveryWord } from '../../db/text-search';
import { can } from '../auth/policy';
import { canonicalEmail } from '../../shared/email-address';
import { notFound } from '../../shared/errors';
import { parseOptionalId } from '../../shared/ids';
import { User } from './user.entity';
import type { UserFilter } from './user.inputs';

/** Subquery: ids of the users holding an access in any of the companies of its parameter. */
const HOLDERS_OF_ANY = 'select ua.user_id from user_accesses ua where ua.company_id = any(?::bigint[])';

export class UserService {
  constructor(private readonly ctx: RequestContext) {}

  /** A user the viewer may see: itself, or anyone holding an access in a company it sees. */
  async findVisible(id: number): Promise<User> {
    const user = await this.ctx.loaders.userById.load(id);
    if (!user || !(await this.isVisible(user))) throw notFound('user', id);
    return user;
  }

  /** The user, or null when it does not exist or the viewer may not see it: the two answer alike. */
  async visibleOrNull(id: number): Promise<User | null> {
    const user = await this.ctx.loaders.userById.load(id);
    return user && (await this.isVisible(user)) ? user : null;
  }

  async isVisible(user: User): Promise<boolean> {
    this.ctx.requireViewer();
    if (this.ctx.isSelf(user.id)) return true;
    const scope = await this.ctx.scope();
    if (scope.seesEverything) return true;
    const userAccesses = await this.ctx.loaders.userAccessesByUserId.load(user.id);
    return userAccesses.some((userAccess) => scope.canSeeCompany(userAccess.company.id));
  }

  /** Case-insensitive lookup for managers and above, among the users they may see. */
  async findByEmail(email: string): Promise<User> {
    this.ctx.requireViewer();
    const user = await this.ctx.em.findOne(User, { email: canonicalEmail(email) });
    if (!user || !(await this.isVisible(user))) throw notFound('user');
    if (this.ctx.isSelf(user.id)) return user;
    const scope = await this.ctx.scope();
    const userAccesses = await this.ctx.loaders.userAccessesByUserId.load(user.id);
    if (!userAccesses.some((userAccess) => can(scope, 'user.lookup', userAccess.company.id))) throw notFound('user');
    return user;
  }

  async list(filter: UserFilter | undefined, request: PageRequest): Promise<Page<User>> {
    const viewer = this.ctx.requireViewer();
    const scope = await this.ctx.scope();
    const where = new SqlConditions();
    matchEveryWord(where, filter?.q, ['u.first_name', 'u.last_name', 'u.email']);
    const visibleCompanies = scope.visibleCompanyIds();
    if (visibleCompanies) {
      // The viewer itself is listed too; an API key has no self (0 matches nobody).
      where.add(
        `u.id = ? or u.id in (${HOLDERS_OF_ANY})`,
        this.ctx.isSelf(viewer.id) ? viewer.id : 0,
        intArray(visibleCompanies),
      );
    }
    const companyId = parseOptionalId(filter?.companyId, 'companyId');
    if (companyId !== undefined) {
      // A hidden company answers as one that does not exist: an empty page would confirm it exists.
      if (!scope.canSeeCompany(companyId)) throw notFound('company', companyId);
      where.add(`u.id in (${HOLDERS_OF_ANY})`, intArray([companyId]));
    }
    if (filter?.status) where.add('u.status = ?', filter.status);
    return paginate(this.ctx.em, User, 'u', where, request);
  }
}
