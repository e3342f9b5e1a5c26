import type { RequestContext } from '../request-context';
import { type Page, type PageRequest, toPage } from '../../db/page';
import { paginate } from '../../db/paginate';
import { intArray } from '../../db/read-models';
import { SqlConditions } from '../../db/sql-conditions';
import { matchEveryWord } from '../../db/text-search';
import { authorize, mayChoosePlan, mayCreateRootCompany } from '../auth/policy';
import { conflict, forbidden, invalidField, notFound } from '../../shared/errors';
import { companyName } from '../../shared/field-rules';
import { andThen, type MaybePromise } from '../../shared/maybe-promise';
import { parseOptionalId } from '../../shared/ids';
import { changedFields } from '../audit/audit-trail';
import { User } from '../user/user.entity';
import { Company } from './company.entity';
import { appendDomainEvents, companyPayload } from '../events/domain-events';
import type { CompanyFilter, CreateCompanyInput } from './company.inputs';

export class CompanyService {
  constructor(private readonly ctx: RequestContext) {}

  async findVisible(id: number): Promise<Company> {
    this.ctx.requireViewer();
    const scope = await this.ctx.scope();
    const company = scope.canSeeCompany(id) ? await this.ctx.loaders.companyById.load(id) : undefined;
    if (!company) throw notFound('company', id);
    return company;
  }

  /** A related company (parent, primary company, ...) or null when the viewer may not see it. */
  visibleOrNull(id: number | undefined): MaybePromise<Company | null> {
    if (id === undefined) return null;
    return andThen(this.ctx.scope(), (scope) =>
      scope.canSeeCompany(id) ? andThen(this.ctx.loaders.companyById.load(id), (company) => company ?? null) : null,
    );
  }

  visibleChildren(company: Company): MaybePromise<Company[]> {
    return andThen(this.ctx.scope(), (scope) =>
      andThen(this.ctx.loaders.childrenByCompanyId.load(company.id), (children) =>
        children.filter((child) => scope.canSeeCompany(child.id)),
      ),
    );
  }

  async list(filter: CompanyFilter | undefined, request: PageRequest): Promise<Page<Company>> {
    this.ctx.requireViewer();
    const scope = await this.ctx.scope();
    const where = new SqlConditions();
    matchEveryWord(where, filter?.q, ['c.name']);
    const visible = scope.visibleCompanyIds();
    if (visible) where.add('c.id = any(?::bigint[])', intArray(visible));
    const parentId = parseOptionalId(filter?.parentCompanyId, 'parentCompanyId');
    if (parentId !== undefined) {
      // A hidden company answers as one that does not exist: an empty page would confirm it exists.
      if (!scope.canSeeCompany(parentId)) throw notFound('company', parentId);
      where.add('c.parent_id = ?::bigint', parentId);
    }
    return paginate(this.ctx.em, Company, 'c', where, request);
  }

  /**
   * A root company is for super_admins, a child for admins of its parent. A child takes its parent's
   * plan, since the plan bounds the whole tree; only a super_admin chooses a plan. Only a root may be
   * the default company, and only while there is none.
   */
  async create(input: CreateCompanyInput): Promise<Company> {
    this.ctx.requireViewer();
    const scope = await this.ctx.scope();
    const parentId = parseOptionalId(input.parentCompanyId, 'parentCompanyId');
    const membershipId = parseOptionalId(input.membershipId, 'membershipId');
    if (parentId === undefined) {
      if (!mayCreateRootCompany(scope)) throw forbidden('only a super_admin may create a root company');
    } else {
      authorize(scope, 'company.manage', parentId, { kind: 'company', id: parentId });
    }
    if (membershipId !== undefined && !mayChoosePlan(scope)) {
      throw forbidden("only a super_admin chooses a company's plan; a child company takes its parent's");
    }

    const name = companyName(input.name);
    if (input.isDefault && parentId !== undefined) throw invalidField('isDefault', 'is only allowed for a root company');

    const parent = parentId === undefined ? null : await this.ctx.loaders.companyById.load(parentId);
    if (parentId !== undefined && !parent) throw notFound('company', parentId);
    const membership =
      membershipId === undefined ? (parent?.membership ?? null) : await this.ctx.loaders.membershipById.load(membershipId);
    if (!membership && membershipId !== undefined) throw invalidField('membershipId', 'does not exist');
    if (parent && membership?.id !== parent.membership?.id) {
      throw invalidField('membershipId', "must be left out for a child company, which takes its parent's plan");
    }

    return this.ctx.em.transactional(async (tx) => {
      // The partial unique index settles a race between two creations; this check names the problem.
      if (input.isDefault && (await tx.count(Company, { isDefault: true }))) throw conflict('a default company already exists');
      const fields = { name, parent: parentId ?? null, membership: membership?.id ?? null, isDefault: input.isDefault ?? false };
      const company = tx.create(Company, fields);
      await tx.flush();
      await this.ctx.services.audit.record(tx, {
        action: 'company.create',
        targetType: 'company',
        targetId: company.id,
        companyId: company.id,
        changes: changedFields({}, fields, ['name', 'parent', 'membership', 'isDefault']),
      });
      await appendDomainEvents(tx, [{ type: 'company.created', companyId: company.id, payload: companyPayload(company) }]);
      return company;
    });
  }

  /** The users holding an access in a company the viewer sees (batched across companies). */
  async members(company: Company, request: PageRequest): Promise<Page<User>> {
    const scope = await this.ctx.scope();
    // An invitation shows its invitee a company it is not in yet: the people there stay hidden.
    if (!scope.canSeeCompany(company.id)) return toPage([], request, async () => 0);
    return this.ctx.loaders.membersPage.load({ companyId: company.id, request });
  }
}
