import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { RequestContext } from '../request-context';
import { hashOneTimeToken } from '../auth/one-time-token';
import { assertPasswordStrength } from '../auth/passwords';
import { canonicalEmail } from '../../shared/email-address';
import { invalidField } from '../../shared/errors';
import { emailKey } from '../../shared/rate-limit/attempt-limiter';
import { User, UserStatus } from '../user/user.entity';
import { appendAuditEvents, changedFields, SECRET_CHANGED } from '../audit/audit-trail';
import { PasswordResetToken } from './password-reset-token.entity';
import { endSessionsOf } from '../session/sessions';
import { appendDomainEvents, userPayload } from '../events/domain-events';
import { revokePasswordTokens } from './password-reset-tokens';
import { PASSWORD_RESET_QUEUE, type PasswordResetJobData, RESETTABLE } from './password-reset-jobs';

const unusableToken = () => invalidField('token', 'is invalid, used or expired: ask for a new link');

export class PasswordResetService {
  constructor(private readonly ctx: RequestContext) {}

  /**
   * Answers at once and the same way for every email: the lookup, the token and the mail happen
   * in a job (`password-reset` queue) after the response, so neither the answer nor its timing tells whether an account exists.
   */
  async requestReset(email: string): Promise<boolean> {
    const normalized = canonicalEmail(email);
    // Every request counts (there is no failure to wait for): a flood of mails to one address, or from one client, stops.
    await this.ctx.deps.attempts.consume('password-reset-request', {
      account: emailKey(normalized),
      address: this.ctx.request.clientIp,
    });
    // The job records the event as this request's.
    const data: PasswordResetJobData = { email: normalized, actor: this.ctx.services.audit.actor };
    await this.ctx.deps.jobs.enqueue(this.ctx.em, PASSWORD_RESET_QUEUE, data);
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
