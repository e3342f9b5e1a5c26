import type { EntityManager } from '@mikro-orm/postgresql';
import type { RequestContext } from '../request-context';
import { transactionalOrRaceLost } from '../transactions';
import { loadExisting } from '../../db/load-existing';
import { createOneTimeToken } from '../auth/one-time-token';
import { assertMayInviteAs, authorize, companiesWhere } from '../auth/policy';
import { conflict, invalidField, notFound } from '../../shared/errors';
import { parseId } from '../../shared/ids';
import { INVITATION_PAGE, invitationMail, tokenLink } from '../../shared/mail/templates';
import { UserAccess } from '../access/user-access.entity';
import { changedFields } from '../audit/audit-trail';
import type { Company } from '../company/company.entity';
import { normalizeEmail, personName } from '../../shared/field-rules';
import { DAY_MS, effectiveStatus, INVITATION_VALID_DAYS, markExpired } from './invitation-status';
import { Invitation, InvitationStatus } from './invitation.entity';
import { appendDomainEvents, invitationPayload } from '../events/domain-events';
import type { CreateInvitationInput } from './invitation.inputs';

const alreadyPending = (company: Company) => conflict(`${company.name} already has a pending invitation for this email`);

/**
 * Invitations are managed by managers and above of the company (`invitation.manage`), who may
 * invite with an access up to their own rank there: managers as manager or member, admins up to
 * admin, and only a super_admin as super_admin.
 */
export class InvitationService {
  constructor(private readonly ctx: RequestContext) {}

  /** Stores the invitation (only the token's hash) and mails the link once the row is committed. */
  async create(input: CreateInvitationInput): Promise<Invitation> {
    const viewer = this.ctx.requireViewer();
    const companyId = parseId(input.companyId, 'companyId');
    const accessId = parseId(input.accessId, 'accessId');
    const scope = await this.ctx.scope();
    authorize(scope, 'invitation.manage', companyId, { kind: 'company', id: companyId });
    const company = await loadExisting(this.ctx.loaders.companyById, companyId, 'company');
    const access = await this.ctx.loaders.accessById.load(accessId);
    if (!access) throw invalidField('accessId', 'is not an access');
    assertMayInviteAs(scope, company, access);
    const email = normalizeEmail(input.email);
    const firstName = input.firstName == null ? null : personName(input.firstName, 'firstName');
    const lastName = input.lastName == null ? null : personName(input.lastName, 'lastName');
    // Counted once the caller may invite and the input is valid: a refused caller uses up no company's invitations.
    await this.ctx.deps.invitationQuota.consume(viewer.id, companyId);

    const { token, hash } = createOneTimeToken();
    const invitation = await this.inTransaction(company, async (tx) => {
      const now = new Date();
      await markExpired(tx, { email, company: companyId }, now);
      if (await tx.count(Invitation, { email, company: companyId, status: InvitationStatus.PENDING })) {
        throw alreadyPending(company);
      }
      if (await tx.count(UserAccess, { user: { email }, company: companyId })) {
        throw conflict(`the user with this email already holds an access in ${company.name}`);
      }
      const expiresAt = new Date(now.getTime() + INVITATION_VALID_DAYS * DAY_MS);
      const created = tx.create(Invitation, {
        email,
        company: companyId,
        access: accessId,
        tokenHash: hash,
        invitedBy: viewer.id,
        firstName,
        lastName,
        expiresAt,
      });
      await tx.flush();
      await this.ctx.services.audit.record(tx, {
        action: 'invitation.create',
        targetType: 'invitation',
        targetId: created.id,
        companyId,
        // Never the token (nor its hash): it is the invitee's credential.
        changes: changedFields({}, { email, access: access.key, firstName, lastName, expiresAt }, [
          'email',
          'access',
          'firstName',
          'lastName',
          'expiresAt',
        ]),
      });
      await appendDomainEvents(tx, [{ type: 'invitation.created', companyId, payload: invitationPayload(created, access) }]);
      const mail = invitationMail(
        { email, firstName: firstName ?? 'there' },
        { companyName: company.name, accessName: access.name, inviterName: viewer.fullName },
        tokenLink(this.ctx.deps.config.publicUrl, INVITATION_PAGE, token),
        INVITATION_VALID_DAYS,
      );
      await this.ctx.deps.mails.send(tx, mail, 'invitation');
      return created;
    });
    return invitation;
  }

  /**
   * Pending, unexpired invitations of an email. Its owner sees them all; a manager or above sees
   * those of the companies it manages; anyone else gets an empty list, which tells nothing about
   * whether invitations exist.
   */
  async pendingFor(rawEmail: string): Promise<Invitation[]> {
    const viewer = this.ctx.requireViewer();
    const email = normalizeEmail(rawEmail);
    const scope = await this.ctx.scope();
    const managed = viewer.email === email ? undefined : companiesWhere(scope, 'invitation.manage');
    if (managed?.length === 0) return [];
    return this.ctx.em.find(
      Invitation,
      {
        email,
        status: InvitationStatus.PENDING,
        expiresAt: { $gt: new Date() },
        ...(managed ? { company: { $in: managed } } : {}),
      },
      { orderBy: { id: 'asc' } },
    );
  }

  /** Only a pending invitation can be revoked, by whoever could have sent it. */
  async revoke(id: number): Promise<Invitation> {
    this.ctx.requireViewer();
    const scope = await this.ctx.scope();
    const invitation = await this.ctx.em.findOne(Invitation, id);
    if (!invitation || !scope.canSeeCompany(invitation.company.id)) throw notFound('invitation', id);
    authorize(scope, 'invitation.manage', invitation.company.id, { kind: 'invitation', id });
    const company = (await this.ctx.loaders.companyById.load(invitation.company.id))!;
    const access = (await this.ctx.loaders.accessById.load(invitation.access.id))!;
    assertMayInviteAs(scope, company, access);

    const now = new Date();
    const revoked = await this.ctx.em.transactional(async (tx) => {
      // Conditional, so a revocation racing an acceptance (or an expiry) cannot overwrite it.
      const updated = await tx.nativeUpdate(
        Invitation,
        { id, status: InvitationStatus.PENDING, expiresAt: { $gt: now } },
        { status: InvitationStatus.REVOKED, updatedAt: now },
      );
      if (updated) {
        await this.ctx.services.audit.record(tx, {
          action: 'invitation.revoke',
          targetType: 'invitation',
          targetId: id,
          companyId: company.id,
          changes: { status: { old: InvitationStatus.PENDING, new: InvitationStatus.REVOKED } },
        });
        await appendDomainEvents(tx, [
          {
            type: 'invitation.revoked',
            companyId: company.id,
            payload: invitationPayload(invitation, access, { status: InvitationStatus.REVOKED, updatedAt: now }),
          },
        ]);
      }
      return updated;
    });
    if (!revoked) await markExpired(this.ctx.em, { id }, now);
    const current = await this.ctx.em.findOneOrFail(Invitation, id, { refresh: true });
    if (!revoked) throw conflict(`only a pending invitation can be revoked; this one is ${effectiveStatus(current, now)}`);
    return current;
  }

  /** The partial unique index settles two concurrent invitations; the loser gets the same answer as a sequential one. */
  private inTransaction<T>(company: Company, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return transactionalOrRaceLost(this.ctx.em, work, () => alreadyPending(company));
  }
}
