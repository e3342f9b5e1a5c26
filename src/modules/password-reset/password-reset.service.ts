import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { RequestContext } from '../request-context';
import { hashOneTimeToken } from '../auth/one-time-token';
import { assertPasswordStrength } from '../auth/passwords';
import { canonicalEmail } from '../../shared/email-address';
import { invalidField } from '../../shared/errors';
import { emailKey } from '../../shared/rate-limit/attempt-limiter';
import { PASSWORD_PAGE, passwordResetMail, tokenLink } from '../../shared/mail/templates';
import { User, UserStatus } from '../user/user.entity';
import { UserAccess } from '../access/user-access.entity';
import { appendAuditEvents, type AuditActor, changedFields, SECRET_CHANGED } from '../audit/audit-trail';
import { PasswordResetToken } from './password-reset-token.entity';
import { endSessionsOf } from '../session/sessions';
import { appendDomainEvents, userPayload } from '../events/domain-events';
import { HOUR_MS, issuePasswordToken, RESET_LINK_HOURS, revokePasswordTokens } from './password-reset-tokens';

/** Inactive users stay locked out: a reset must not be a way around a deactivation. */
const RESETTABLE = new Set([UserStatus.ACTIVE, UserStatus.PENDING]);

const unusableToken = () => invalidField('token', 'is invalid, used or expired: ask for a new link');

export class PasswordResetService {
  constructor(private readonly ctx: RequestContext) {}

  /**
   * Answers at once and the same way for every email: the lookup, the token and the mail happen
   * after the response, so neither the answer nor its timing tells whether an account exists.
   */
  async requestReset(email: string): Promise<boolean> {
    const normalized = canonicalEmail(email);
    // Every request counts (there is no failure to wait for): a flood of mails to one address, or from one client, stops.
    await this.ctx.deps.attempts.consume('password-reset-request', {
      account: emailKey(normalized),
      address: this.ctx.request.clientIp,
    });
    // The background task outlives the request: it records the event as this request's.
    const actor = this.ctx.services.audit.actor;
    this.ctx.deps.background.run('password reset request', () => this.mailResetLink(normalized, actor));
    return true;
  }

  /**
   * Sets the password of the token's user and uses up all of that user's tokens, in one transaction.
   * The token is checked before the new password is hashed, so a guessed token costs no Argon2.
   */
  async resetPassword(token: string, password: string): Promise<User> {
    assertPasswordStrength(password);
    const tokenHash = hashOneTimeToken(token);
    // Counted before the transaction opens: on the embedded database the limiter needs the one connection.
    const attempt = { account: tokenHash, address: this.ctx.request.clientIp };
    await this.ctx.deps.attempts.consume('password-reset', attempt);
    // A fork of its own, so the transaction below reads the rows afresh, locked.
    const holder = await userOfToken(this.ctx.em.fork(), tokenHash, new Date());
    if (!holder) throw unusableToken();
    const companyId = await this.ctx.services.accesses.primaryCompanyIdOf(holder.id);
    // Hashed before the transaction opens, which checks the token again.
    const passwordHash = await this.ctx.deps.passwords.hash(password);
    const user = await this.ctx.em.transactional(async (tx) => {
      const now = new Date();
      const user = await userOfToken(tx, tokenHash, now, LockMode.PESSIMISTIC_WRITE);
      if (!user) throw unusableToken();
      const before = { status: user.status };
      user.passwordHash = passwordHash;
      user.credentialsChangedAt = now;
      if (user.status === UserStatus.PENDING) user.status = UserStatus.ACTIVE;
      await revokePasswordTokens(tx, user.id, now);
      await endSessionsOf(tx, user.id, 'credentials-changed');
      // The holder of the mailed token acts: the user whose password it is.
      await appendAuditEvents(tx, { ...this.ctx.services.audit.actor, userId: user.id, apiKeyId: null }, [
        {
          action: 'password_reset.complete',
          targetType: 'user',
          targetId: user.id,
          companyId,
          changes: { ...changedFields(before, user, ['status']), password: SECRET_CHANGED },
        },
      ]);
      await appendDomainEvents(tx, [{ type: 'user.updated', companyId, payload: userPayload({ ...user, updatedAt: now }) }]);
      return user;
    });
    await this.ctx.deps.attempts.succeeded('password-reset', attempt);
    // Holding the mailed token proves who the caller is: the payload shows what that user may see
    // (no session starts: the client signs in with the new password).
    this.ctx.signIn(user, null);
    return user;
  }

  /** Only a token really issued is recorded (`password_reset.request`, in the token's transaction). */
  private async mailResetLink(email: string, actor: AuditActor): Promise<void> {
    const { orm, mailer, config } = this.ctx.deps;
    const em = orm.em.fork();
    const user = await em.findOne(User, { email });
    if (!user || !RESETTABLE.has(user.status)) return;
    const token = await em.transactional(async (tx) => {
      const issued = issuePasswordToken(tx, user, RESET_LINK_HOURS * HOUR_MS);
      // Off the request path, so the primary company costs a statement nobody waits for.
      const primary = await tx.findOne(UserAccess, { user: user.id, primary: true });
      const companyId = primary?.company.id ?? null;
      await appendAuditEvents(tx, actor, [
        { action: 'password_reset.request', targetType: 'user', targetId: user.id, companyId },
      ]);
      return issued;
    });
    await mailer.send(passwordResetMail(user, tokenLink(config.publicUrl, PASSWORD_PAGE, token), RESET_LINK_HOURS));
  }
}

/**
 * The user an unused, unexpired token may reset the password of, or null. Locked, the token row
 * stops a second request with the same token until the first one commits.
 */
async function userOfToken(em: EntityManager, tokenHash: string, now: Date, lockMode?: LockMode): Promise<User | null> {
  const reset = await em.findOne(PasswordResetToken, { tokenHash }, { lockMode });
  const user = reset && !reset.usedAt && reset.expiresAt > now ? await em.findOne(User, reset.user.id) : null;
  return user && RESETTABLE.has(user.status) ? user : null;
}
