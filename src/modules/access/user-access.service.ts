import type { RequestContext } from '../request-context';
import { assertMayHandOut, authorize, mayManageUserAccess } from '../auth/policy';
import type { Scope } from '../auth/scope';
import { conflict, forbidden, notFound } from '../../shared/errors';
import { assertCompanyCapacity } from '../company/company-capacity';
import type { UserAccessInput } from './access.inputs';
import { checkRequestedUserAccesses, type RequestedUserAccess } from './user-access-request';
import { applyUserAccessChanges, type UserAccessChanges, lockUserAccessesOf } from './user-access-writes';
import { grantDomainEvents, grantEvents, grantsBefore } from './user-access-events';
import { appendDomainEvents } from '../events/domain-events';
import { UserAccess } from './user-access.entity';

/**
 * Grants, replaces and revokes a user's (company, access) grants. The viewer needs the admin rank
 * in every company it touches; only a super_admin hands out, changes or removes super_admin. Every
 * change runs in one transaction that keeps exactly one primary grant and at least one grant, and
 * appends one audit event per grant it touched.
 */
export class UserAccessService {
  constructor(private readonly ctx: RequestContext) {}

  /** Adds grants in companies where the user holds none yet; returns all its grants the viewer sees. */
  async add(userId: number, inputs: UserAccessInput[]): Promise<UserAccess[]> {
    const { scope, requested } = await this.checkRequest(userId, inputs);
    return this.change(userId, scope, (current) => {
      for (const { company } of requested) {
        if (current.some((userAccess) => userAccess.company.id === company.id)) {
          throw conflict(`the user already holds an access in ${company.name}; change it with setUserAccesses`);
        }
      }
      return { remove: [], changeAccess: [], add: requested, primaryCompanyId: primaryOf(requested) };
    });
  }

  /**
   * Replaces the user's grants in the companies the viewer manages with the requested ones. Grants
   * the viewer may not manage (in companies where it is not admin, and super_admin grants unless it
   * is super_admin) are kept untouched; naming such a grant's company is refused.
   */
  async set(userId: number, inputs: UserAccessInput[]): Promise<UserAccess[]> {
    const { scope, requested } = await this.checkRequest(userId, inputs);
    return this.change(userId, scope, (current) => {
      const manages = (userAccess: UserAccess) => managesUserAccess(scope, userAccess);
      const heldIn = (companyId: number) => current.find((userAccess) => userAccess.company.id === companyId);
      const changes: UserAccessChanges = { remove: [], changeAccess: [], add: [], primaryCompanyId: primaryOf(requested) };
      for (const wanted of requested) {
        const held = heldIn(wanted.company.id);
        if (!held) changes.add.push(wanted);
        // The company passed authorization, so only a super_admin grant can be out of reach here.
        else if (!manages(held)) throw forbidden('only a super_admin may change a super_admin grant');
        else if (held.access.id !== wanted.access.id) changes.changeAccess.push({ userAccess: held, access: wanted.access });
      }
      changes.remove = current.filter(
        (userAccess) => manages(userAccess) && !requested.some((wanted) => wanted.company.id === userAccess.company.id),
      );
      return changes;
    });
  }

  /** Revokes one grant and returns it; the user's oldest remaining grant becomes primary if needed. */
  async remove(id: number): Promise<UserAccess> {
    this.ctx.requireViewer();
    const scope = await this.ctx.scope();
    const userAccess = await this.ctx.em.findOne(UserAccess, id, { populate: ['access'] });
    if (!userAccess || !scope.canSeeCompany(userAccess.company.id)) throw notFound('user access', id);
    authorize(scope, 'user.manage', userAccess.company.id, { kind: 'user access', id });
    assertMayHandOut(scope, userAccess.access);
    let removed: UserAccess | undefined;
    await this.change(userAccess.user.id, scope, (current) => {
      removed = current.find((held) => held.id === id);
      if (!removed) throw notFound('user access', id);
      if (current.length === 1) {
        throw conflict('this is the last access of the user, who must keep at least one; grant another access first');
      }
      return { remove: [removed], changeAccess: [], add: [] };
    });
    return removed!;
  }

  private async checkRequest(
    userId: number,
    inputs: UserAccessInput[],
  ): Promise<{ scope: Scope; requested: RequestedUserAccess[] }> {
    this.ctx.requireViewer();
    await this.ctx.services.users.findVisible(userId);
    const scope = await this.ctx.scope();
    return { scope, requested: await checkRequestedUserAccesses(this.ctx, scope, inputs) };
  }

  /**
   * Runs one change in a transaction: locks the user, lets `plan` decide from its current grants,
   * enforces the membership plan of every company the user joins, writes, and returns the user's
   * grants the viewer sees, ordered by id.
   */
  private async change(userId: number, scope: Scope, plan: (current: UserAccess[]) => UserAccessChanges): Promise<UserAccess[]> {
    const userAccesses = await this.ctx.em.transactional(async (tx) => {
      const current = await lockUserAccessesOf(tx, userId);
      const before = grantsBefore(current);
      const changes = plan(current);
      assertMayMovePrimary(scope, current, changes.primaryCompanyId);
      await assertCompanyCapacity(
        tx,
        changes.add.map(({ company }) => company.id),
        [userId],
      );
      const accesses = [...current, ...changes.add, ...changes.changeAccess].map(({ access }) => access);
      const after = await applyUserAccessChanges(tx, userId, current, changes);
      await this.ctx.services.audit.record(tx, ...grantEvents(before, after, accesses));
      await appendDomainEvents(tx, grantDomainEvents(before, after, accesses));
      return after;
    });
    this.ctx.loaders.userAccessesByUserId.clear(userId);
    return userAccesses.filter((userAccess) => scope.canSeeCompany(userAccess.company.id));
  }
}

function primaryOf(requested: RequestedUserAccess[]): number | undefined {
  return requested.find((userAccess) => userAccess.primary)?.company.id;
}

function managesUserAccess(scope: Scope, userAccess: UserAccess): boolean {
  return mayManageUserAccess(scope, { companyId: userAccess.company.id, access: userAccess.access });
}

/** Making another grant primary un-marks the current one, which is a change the viewer must be allowed. */
function assertMayMovePrimary(scope: Scope, current: UserAccess[], primaryCompanyId: number | undefined): void {
  const primary = current.find((userAccess) => userAccess.primary);
  if (primaryCompanyId === undefined || !primary || primary.company.id === primaryCompanyId) return;
  if (!managesUserAccess(scope, primary)) {
    throw forbidden("the user's primary access is one you may not change, so no other access can become primary");
  }
}
