import type { RequestContext } from '../../graphql/context';
import { notFound } from '../../shared/errors';
import { Membership } from './membership.entity';

export class MembershipService {
  constructor(private readonly ctx: RequestContext) {}

  list(): Promise<Membership[]> {
    this.ctx.requireViewer();
    return this.ctx.em.find(Membership, {}, { orderBy: { priceCents: 'asc', id: 'asc' } });
  }

  async get(id: number): Promise<Membership> {
    this.ctx.requireViewer();
    const membership = await this.ctx.loaders.membershipById.load(id);
    if (!membership) throw notFound('membership', id);
    return membership;
  }
}
