import type { Knex } from '@mikro-orm/postgresql';
import type { RateLimiterPostgres } from 'rate-limiter-flexible';
import type { Config } from '../../config';
import { addressKey } from './address-key';
import { type AttemptKeys, type AttemptLimiter, type LimitedOperation, rateLimited } from './attempt-limiter';
import { consumeAll, postgresCounter, type RefusalListener } from './postgres-counters';

type Limits = Config['rateLimits'];

/**
 * One counter of an operation: what it is keyed by (`pair`: the account from one client address),
 * its limit, and what a success does to it (`forget` its count, `refund` the success's own point,
 * or `keep` counting).
 */
interface CounterRule {
  key: 'pair' | 'account' | 'address';
  points(limits: Limits): number;
  onSuccess: 'forget' | 'refund' | 'keep';
}

const PER_ACCOUNT_AND_ADDRESS: CounterRule[] = [
  { key: 'account', points: (limits) => limits.perAccount, onSuccess: 'forget' },
  { key: 'address', points: (limits) => limits.perAddress, onSuccess: 'keep' },
];

/**
 * Login counts an email's failures per client address, so a flood of wrong passwords from one
 * address does not lock the owner out elsewhere; the account's ceiling still stops a flood spread
 * over many addresses, and a success takes only its own point back from it. Reset requests stay
 * per email (each one mails it), and the token operations per token (only its holder has it).
 */
const RULES: Record<LimitedOperation, CounterRule[]> = {
  login: [
    { key: 'pair', points: (limits) => limits.perAccount, onSuccess: 'forget' },
    { key: 'account', points: (limits) => limits.accountCeiling, onSuccess: 'refund' },
    { key: 'address', points: (limits) => limits.perAddress, onSuccess: 'keep' },
  ],
  'password-reset-request': PER_ACCOUNT_AND_ADDRESS,
  'password-reset': PER_ACCOUNT_AND_ADDRESS,
  'invitation-acceptance': PER_ACCOUNT_AND_ADDRESS,
};

interface Counter {
  rule: CounterRule;
  limiter: RateLimiterPostgres;
}

function keyOf(rule: CounterRule, keys: AttemptKeys): string {
  switch (rule.key) {
    case 'account':
      return keys.account;
    case 'address':
      return addressKey(keys.address);
    case 'pair':
      return `${keys.account}:${addressKey(keys.address)}`;
  }
}

/** The attempt counters of `rate_limits` (shared by every gateway process on the database). */
export class PostgresAttemptLimiter implements AttemptLimiter {
  private readonly counters = new Map<LimitedOperation, Counter[]>();

  constructor(knex: Knex, limits: Limits, onRefused?: RefusalListener) {
    for (const [operation, rules] of Object.entries(RULES) as [LimitedOperation, CounterRule[]][]) {
      const counters = rules.map((rule) => ({
        rule,
        limiter: postgresCounter(knex, {
          keyPrefix: `${operation}:${rule.key}`,
          points: rule.points(limits),
          windowSeconds: limits.windowSeconds,
          onRefused,
        }),
      }));
      this.counters.set(operation, counters);
    }
  }

  async consume(operation: LimitedOperation, keys: AttemptKeys): Promise<void> {
    const counted = this.counters
      .get(operation)!
      .map(({ rule, limiter }): [RateLimiterPostgres, string] => [limiter, keyOf(rule, keys)]);
    await consumeAll(counted, rateLimited);
  }

  async succeeded(operation: LimitedOperation, keys: AttemptKeys): Promise<void> {
    await Promise.all(
      this.counters.get(operation)!.map(({ rule, limiter }) => {
        if (rule.onSuccess === 'forget') return limiter.delete(keyOf(rule, keys));
        if (rule.onSuccess === 'refund') return limiter.reward(keyOf(rule, keys));
        return null;
      }),
    );
  }
}
