import type { Knex } from '@mikro-orm/postgresql';
import type { RateLimiterPostgres } from 'rate-limiter-flexible';
import type { Config } from '../../config';
import { rateLimited } from '../../shared/rate-limit/attempt-limiter';
import { consumeAll, postgresCounter, type RefusalListener } from '../../shared/rate-limit/postgres-counters';

/**
 * Invitations created per inviter and per company in a window, counted in `rate_limits` with the
 * attempt counters (every gateway process shares them): each one mails a stranger, so neither a
 * stolen account nor a company's managers together may turn the gateway into a mail cannon.
 */
export class InvitationQuota {
  private readonly perInviter: RateLimiterPostgres;
  private readonly perCompany: RateLimiterPostgres;

  constructor(knex: Knex, limits: Config['invitationLimits'], onRefused?: RefusalListener) {
    const counter = (kind: string, points: number) =>
      postgresCounter(knex, { keyPrefix: `invitation:${kind}`, points, windowSeconds: limits.windowSeconds, onRefused });
    this.perInviter = counter('inviter', limits.perInviter);
    this.perCompany = counter('company', limits.perCompany);
  }

  /** Counts one invitation; past either limit throws RATE_LIMITED with `retryAfter`, counting it against neither. */
  consume(inviterId: number, companyId: number): Promise<void> {
    return consumeAll(
      [
        [this.perInviter, String(inviterId)],
        [this.perCompany, String(companyId)],
      ],
      (retryAfter) => rateLimited(retryAfter, 'too many invitations: try again later'),
    );
  }
}
