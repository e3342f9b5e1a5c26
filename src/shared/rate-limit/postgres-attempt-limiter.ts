import type { Knex } from '@mikro-orm/postgresql';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../../config';
import { type AttemptKeys, type AttemptLimiter, type LimitedOperation, rateLimited } from './attempt-limiter';

/** Created by a migration (the statement rate-limiter-flexible would run), so nothing runs DDL at request time. */
export const RATE_LIMIT_TABLE = 'rate_limits';

const OPERATIONS: LimitedOperation[] = ['login', 'password-reset-request', 'password-reset', 'invitation-acceptance'];

interface Counters {
  account: RateLimiterPostgres;
  address: RateLimiterPostgres;
}

/**
 * rate-limiter-flexible's PostgreSQL store on the ORM's own pool: the counters are rows of
 * `rate_limits`, so every gateway process on the database enforces the same limits.
 */
export class PostgresAttemptLimiter implements AttemptLimiter {
  private readonly counters = new Map<LimitedOperation, Counters>();

  constructor(knex: Knex, settings: Config['rateLimits']) {
    OPERATIONS.forEach((operation, index) => {
      const counter = (kind: keyof Counters, points: number) =>
        new RateLimiterPostgres({
          // Its named statements are safe on the embedded database too: every new pooled connection
          // starts with SESSION_RESET_SQL (db/orm-options.ts).
          storeClient: knex,
          storeType: 'knex',
          tableName: RATE_LIMIT_TABLE,
          tableCreated: true,
          keyPrefix: `${operation}:${kind}`,
          points,
          duration: settings.windowSeconds,
          // One counter is enough to delete the rows that expired, for the whole table.
          clearExpiredByTimeout: index === 0 && kind === 'account',
        });
      this.counters.set(operation, {
        account: counter('account', settings.perAccount),
        address: counter('address', settings.perAddress),
      });
    });
  }

  async consume(operation: LimitedOperation, keys: AttemptKeys): Promise<void> {
    const { account, address } = this.counters.get(operation)!;
    const counted: [RateLimiterPostgres, string][] = [
      [account, keys.account],
      [address, keys.address],
    ];
    const results = await Promise.allSettled(counted.map(([counter, key]) => counter.consume(key)));
    const failure = results.find((result) => result.status === 'rejected' && !(result.reason instanceof RateLimiterRes));
    if (failure) throw (failure as PromiseRejectedResult).reason;
    const refusals = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as RateLimiterRes] : []));
    if (!refusals.length) return;
    // A refused attempt runs no check, so it costs the other key nothing: a client over its address
    // limit cannot use up the attempts of the accounts it aims at, nor the reverse.
    await Promise.all(
      counted.map(([counter, key], index) => (results[index].status === 'fulfilled' ? counter.reward(key) : null)),
    );
    throw rateLimited(Math.ceil(Math.max(...refusals.map((refusal) => refusal.msBeforeNext)) / 1000));
  }

  async succeeded(operation: LimitedOperation, keys: AttemptKeys): Promise<void> {
    await this.counters.get(operation)!.account.delete(keys.account);
  }
}
