import type { RequestContext } from '../request-context';
import { loadExisting } from '../../db/load-existing';
import { Membership } from './membership.entity';

export class MembershipService {
  constructor(private readonly ctx: RequestContext) {}

  list(): Promise<Membership[]> {
    this.ctx.requireViewer();
    return this.ctx.em.find(Membership, {}, { orderBy: { priceCents: 'asc', id: 'asc' } });
  }

  async get(id: number): Promise<Membership> {
    this.ctx.requireViewer();
    return loadExisting(this.ctx.loaders.membershipById, id, 'membership');
  }
}
