import type { RequestContext } from '../../graphql/context';
import type { Page, PageRequest } from '../../graphql/connection';
import { paginate } from '../../db/paginate';
import { matchEveryWord } from '../../db/text-search';
import { notFound } from '../../shared/errors';
import { parseOptionalId } from '../../shared/ids';
import { User } from '../user/user.entity';
import { Company } from './company.entity';
import type { CompanyFilter } from './company.inputs';

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
  async visibleOrNull(id: number | undefined): Promise<Company | null> {
    if (id === undefined) return null;
    const scope = await this.ctx.scope();
    return scope.canSeeCompany(id) ? ((await this.ctx.loaders.companyById.load(id)) ?? null) : null;
  }

  async visibleChildren(company: Company): Promise<Company[]> {
    const scope = await this.ctx.scope();
    const children = await this.ctx.loaders.childrenByCompanyId.load(company.id);
    return children.filter((child) => scope.canSeeCompany(child.id));
  }

  async list(filter: CompanyFilter | undefined, request: PageRequest): Promise<Page<Company>> {
    this.ctx.requireViewer();
    const scope = await this.ctx.scope();
    const conditions: Record<string, unknown>[] = [...matchEveryWord(filter?.q, ['name'])];
    const visible = scope.visibleCompanyIds();
    if (visible) conditions.push({ id: { $in: visible } });
    const parentId = parseOptionalId(filter?.parentCompanyId, 'parentCompanyId');
    if (parentId !== undefined) conditions.push({ parent: parentId });

    return paginate(() => this.ctx.em.createQueryBuilder(Company, 'c').where({ $and: conditions }), request);
  }

  /** The users holding an access in a company the viewer sees (batched across companies). */
  members(company: Company, request: PageRequest): Promise<Page<User>> {
    return this.ctx.loaders.membersPage.load({ companyId: company.id, request });
  }
}
