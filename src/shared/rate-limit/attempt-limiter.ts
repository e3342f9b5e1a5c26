import { createHash } from 'node:crypto';
import { canonicalEmail } from '../email-address';
import { DomainError } from '../errors';

/** The operations an attacker would repeat to guess a secret; each keeps its own counters. */
export type LimitedOperation = 'login' | 'password-reset-request' | 'password-reset' | 'invitation-acceptance';

/**
 * Who an attempt is counted against: the account it aims at (a hash of the email, or the hash of
 * the token for operations that have only a token) and the client address it comes from (counted
 * by `addressKey`: IPv6 per /64).
 */
export interface AttemptKeys {
  account: string;
  address: string;
}

/**
 * Counts attempts at the operations above, in a store every gateway process shares. An attempt is
 * counted before it runs, so parallel guesses cannot slip past the limit while the first ones are
 * still being checked.
 */
export interface AttemptLimiter {
  /** Counts one attempt; throws RATE_LIMITED with `retryAfter` when the account or the address is over a limit. */
  consume(operation: LimitedOperation, keys: AttemptKeys): Promise<void>;
  /** After a success: the account's failures (for login: from this address) are forgotten; the address keeps its count. */
  succeeded(operation: LimitedOperation, keys: AttemptKeys): Promise<void>;
}

/** The account key of an email: its hash, so the store holds no addresses and keys have a fixed length. */
export function emailKey(email: string): string {
  return createHash('sha256').update(canonicalEmail(email), 'utf8').digest('hex');
}

export function rateLimited(retryAfterSeconds: number, message = 'too many attempts: try again later'): DomainError {
  return new DomainError('RATE_LIMITED', message, undefined, Math.max(1, retryAfterSeconds));
}
