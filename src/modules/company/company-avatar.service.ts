import type { RequestContext } from '../../graphql/context';
import { loadExisting } from '../../graphql/load-existing';
import { authorize } from '../auth/policy';
import type { FileInputArgs } from '../../shared/files/file-input';
import { removeAvatar, replaceAvatar } from '../../shared/storage/avatar-files';
import { Company } from './company.entity';

/** Company avatars: for admins of the company (or of an ancestor). */
export class CompanyAvatarService {
  constructor(private readonly ctx: RequestContext) {}

  async upload(companyId: number, input: FileInputArgs): Promise<Company> {
    const company = await this.findManageable(companyId);
    await replaceAvatar(this.ctx.deps, this.ctx.em, { kind: 'companies', entity: Company, id: company.id }, input);
    return this.reload(company.id);
  }

  async remove(companyId: number): Promise<Company> {
    const company = await this.findManageable(companyId);
    await removeAvatar(this.ctx.deps, this.ctx.em, { entity: Company, id: company.id });
    return this.reload(company.id);
  }

  /** The row as the write left it (loaders hold what was read before it). */
  private async reload(companyId: number): Promise<Company> {
    return (await this.ctx.loaders.companyById.clear(companyId).load(companyId))!;
  }

  private async findManageable(companyId: number): Promise<Company> {
    this.ctx.requireViewer();
    authorize(await this.ctx.scope(), 'company.manage', companyId, { kind: 'company', id: companyId });
    return loadExisting(this.ctx.loaders.companyById, companyId, 'company');
  }
}
