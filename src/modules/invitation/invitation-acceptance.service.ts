import type { EntityManager } from '@mikro-orm/postgresql';
import type { RequestContext } from '../request-context';
import { transactionalOrRaceLost } from '../transactions';
import { hashOneTimeToken } from '../auth/one-time-token';
import { assertPasswordStrength } from '../auth/passwords';
import { conflict, unauthenticated } from '../../shared/errors';
import { lockUserAccessesOf } from '../access/user-access-writes';
import { UserAccess } from '../access/user-access.entity';
import { grantCreated, grantCreatedEvent } from '../access/user-access-events';
import { appendDomainEvents, invitationPayload, userPayload } from '../events/domain-events';
import { appendAuditEvents, type AuditEntry, changedFields, SECRET_CHANGED } from '../audit/audit-trail';
import { LOGIN_FAILED } from '../session/session.service';
import type { AuthPayload } from '../session/session.types';
import { revokePasswordTokens } from '../password-reset/password-reset-tokens';
import { assertCompanyCapacity } from '../company/company-capacity';
import { personName } from '../../shared/field-rules';
import { User, UserStatus } from '../user/user.entity';
import { acceptanceRefusal, markExpired, unknownInvitationToken } from './invitation-status';
import { Invitation, InvitationStatus } from './invitation.entity';
import type { AcceptInvitationInput } from './invitation.inputs';

/** The account of the invited email as it was when the password was checked. */
interface AccountSnapshot {
  id: number;
  email: string;
  status: UserStatus;
  passwordHash: string | null;
}

const changedMeanwhile = () => conflict('the account of this email changed while the invitation was accepted: try again');

/**
 * Accepting an invitation (public: the mailed token is the credential). Without an account for the
 * email one is created, ACTIVE, with the given names and password. An ACTIVE account must prove
 * itself with its password; a PENDING one (never signed in) takes the given password and becomes
 * ACTIVE. An INACTIVE account is refused like a failed login, so an invitation never reopens it.
 */
export class InvitationAcceptanceService {
  constructor(private readonly ctx: RequestContext) {}

  async accept(input: AcceptInvitationInput): Promise<AuthPayload> {
    const firstName = personName(input.firstName, 'firstName');
    const lastName = personName(input.lastName, 'lastName');
    // Counted before anything is looked up, and before the transaction: the limiter needs a connection of its own.
    const attempt = { account: hashOneTimeToken(input.token), address: this.ctx.request.clientIp };
    await this.ctx.deps.attempts.consume('invitation-acceptance', attempt);
    const invitation = await this.acceptableInvitation(input.token);
    const account = await this.accountOf(invitation.email);
    // Argon2 is slow: hashed or verified before the transaction opens, which then only checks nothing changed.
    const newPasswordHash = await this.checkPassword(account, input.password);

    const user = await this.inTransaction(async (tx) => {
      const now = new Date();
      await this.claim(tx, invitation.id, now);
      const companyId = invitation.company.id;
      const events: AuditEntry[] = [];
      let user: User;
      let grant: UserAccess;
      if (!account) {
        const fields = { email: invitation.email, firstName, lastName, status: UserStatus.ACTIVE };
        user = tx.create(User, { ...fields, passwordHash: newPasswordHash });
        await tx.flush();
        await assertCompanyCapacity(tx, [companyId], [user.id]);
        grant = tx.create(UserAccess, { user, company: companyId, access: invitation.access.id, primary: true });
        events.push({
          action: 'user.create',
          targetType: 'user',
          targetId: user.id,
          companyId,
          changes: { ...changedFields({}, fields, ['email', 'firstName', 'lastName', 'status']), password: SECRET_CHANGED },
        });
      } else {
        const userAccesses = await lockUserAccessesOf(tx, account.id);
        user = await tx.findOneOrFail(User, account.id, { populate: ['passwordHash'], refresh: true });
        if (!sameAccount(account, user)) throw changedMeanwhile();
        if (userAccesses.some((userAccess) => userAccess.company.id === companyId)) {
          throw conflict('this account already holds an access in the company of the invitation');
        }
        await assertCompanyCapacity(tx, [companyId], [user.id]);
        const primary = !userAccesses.some((userAccess) => userAccess.primary);
        grant = tx.create(UserAccess, { user: user.id, company: companyId, access: invitation.access.id, primary });
        if (newPasswordHash) {
          user.passwordHash = newPasswordHash;
          user.status = UserStatus.ACTIVE;
          user.credentialsChangedAt = now;
          // The "choose your password" link of the pending account is moot now.
          await revokePasswordTokens(tx, user.id, now);
          events.push({
            action: 'user.update',
            targetType: 'user',
            targetId: user.id,
            companyId,
            changes: { status: { old: account.status, new: user.status }, password: SECRET_CHANGED },
          });
        }
      }
      await tx.flush();
      events.unshift({
        action: 'invitation.accept',
        targetType: 'invitation',
        targetId: invitation.id,
        companyId,
        changes: { status: { old: InvitationStatus.PENDING, new: InvitationStatus.ACCEPTED }, user: { old: null, new: user.id } },
      });
      events.push(grantCreated(grant, invitation.access));
      // The holder of the mailed token acts, as the user it has just become or proven to be.
      await appendAuditEvents(tx, { ...this.ctx.services.audit.actor, userId: user.id, apiKeyId: null }, events);
      await appendDomainEvents(tx, [
        {
          type: 'invitation.accepted',
          companyId,
          payload: invitationPayload(invitation, invitation.access, { status: InvitationStatus.ACCEPTED, updatedAt: now }),
        },
        // Flushed above: the user's timestamps are set.
        ...(account && !newPasswordHash
          ? []
          : [{ type: account ? ('user.updated' as const) : ('user.created' as const), companyId, payload: userPayload(user) }]),
        grantCreatedEvent(grant, invitation.access),
      ]);
      return user;
    });
    this.ctx.loaders.userAccessesByUserId.clear(user.id);
    await this.ctx.deps.attempts.succeeded('invitation-acceptance', attempt);
    return this.ctx.em.transactional((tx) => this.ctx.services.sessions.signIn(tx, user));
  }

  /** The invitation of a token, or the reason it cannot be used (an expired one is recorded as such). */
  private async acceptableInvitation(token: string): Promise<Invitation> {
    // With its access (joined, no extra statement): the grant's audit event names it by key.
    const invitation = await this.ctx.em.findOne(Invitation, { tokenHash: hashOneTimeToken(token) }, { populate: ['access'] });
    if (!invitation) throw unknownInvitationToken();
    const now = new Date();
    const refusal = acceptanceRefusal(invitation, now);
    if (refusal) {
      await markExpired(this.ctx.em, { id: invitation.id }, now);
      throw refusal;
    }
    return invitation;
  }

  private async accountOf(email: string): Promise<AccountSnapshot | null> {
    const user = await this.ctx.em.findOne(User, { email }, { populate: ['passwordHash'] });
    if (!user) return null;
    return { id: user.id, email: user.email, status: user.status, passwordHash: user.passwordHash ?? null };
  }

  /** The hash to store (new or PENDING account), or null once an ACTIVE account's own password matched. */
  private async checkPassword(account: AccountSnapshot | null, password: string): Promise<string | null> {
    const { passwords } = this.ctx.deps;
    if (!account || account.status === UserStatus.PENDING) {
      assertPasswordStrength(password);
      return passwords.hash(password);
    }
    // An account without a password costs the same time as a wrong one: the timing tells nothing either.
    const matches = account.passwordHash
      ? await passwords.verify(account.passwordHash, password)
      : await passwords.verifyAgainstDecoy(password);
    if (!matches || account.status !== UserStatus.ACTIVE) throw unauthenticated(LOGIN_FAILED);
    return null;
  }

  /**
   * Marks the invitation accepted, only if it still is pending and unexpired: of two requests with
   * the same token, the second waits on the row lock, then finds it accepted (or, if the first one
   * rolled back, pending again).
   */
  private async claim(tx: EntityManager, id: number, now: Date): Promise<void> {
    const claimed = await tx.nativeUpdate(
      Invitation,
      { id, status: InvitationStatus.PENDING, expiresAt: { $gt: now } },
      { status: InvitationStatus.ACCEPTED, acceptedAt: now, updatedAt: now },
    );
    if (claimed) return;
    const current = await tx.findOneOrFail(Invitation, id, { refresh: true });
    throw acceptanceRefusal(current, now) ?? changedMeanwhile();
  }

  /** A user created concurrently with the same email fails the unique index: the same answer as any other race. */
  private inTransaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return transactionalOrRaceLost(this.ctx.em, work, changedMeanwhile);
  }
}

function sameAccount(before: AccountSnapshot, now: User): boolean {
  return now.email === before.email && now.status === before.status && (now.passwordHash ?? null) === before.passwordHash;
}
