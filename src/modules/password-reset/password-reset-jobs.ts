import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../../config';
import type { JobHandler, QueueDefinition } from '../../db/job-queue';
import { PASSWORD_PAGE, passwordResetMail, tokenLink } from '../../shared/mail/templates';
import { UserAccess } from '../access/user-access.entity';
import { appendAuditEvents, type AuditActor } from '../audit/audit-trail';
import type { MailQueue } from '../mail/mail-queue';
import { User, UserStatus } from '../user/user.entity';
import { HOUR_MS, issuePasswordToken, RESET_LINK_HOURS } from './password-reset-tokens';

export const PASSWORD_RESET_QUEUE = 'password-reset';

export const PASSWORD_RESET_QUEUE_DEFINITION: QueueDefinition = {
  name: PASSWORD_RESET_QUEUE,
  retryLimit: 5,
  retryDelaySeconds: 10,
  expireInSeconds: 60,
  concurrency: 1,
};

export interface PasswordResetJobData {
  /** Canonical. */
  email: string;
  /** Who asked (the request's address and agent): the actor of `password_reset.request`. */
  actor: AuditActor;
}

/** Inactive users stay locked out: a reset must not be a way around a deactivation. */
export const RESETTABLE = new Set([UserStatus.ACTIVE, UserStatus.PENDING]);

/**
 * A reset asked for by `requestPasswordReset`, off the request path. Only a token really issued is
 * recorded (`password_reset.request`), and its mail is queued in the token's transaction.
 */
export function passwordResetJobHandler(deps: {
  orm: MikroORM;
  config: Config;
  mails: MailQueue;
}): JobHandler<PasswordResetJobData> {
  return async ({ data: { email, actor } }) => {
    const em = deps.orm.em.fork();
    const user = await em.findOne(User, { email });
    if (!user || !RESETTABLE.has(user.status)) return;
    await em.transactional(async (tx) => {
      const token = issuePasswordToken(tx, user, RESET_LINK_HOURS * HOUR_MS);
      const primary = await tx.findOne(UserAccess, { user: user.id, primary: true });
      await appendAuditEvents(tx, actor, [
        { action: 'password_reset.request', targetType: 'user', targetId: user.id, companyId: primary?.company.id ?? null },
      ]);
      const link = tokenLink(deps.config.publicUrl, PASSWORD_PAGE, token);
      await deps.mails.send(tx, passwordResetMail(user, link, RESET_LINK_HOURS), 'password reset');
    });
  };
}
