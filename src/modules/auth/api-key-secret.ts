import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hashOneTimeToken } from './one-time-token';

/** Every key starts so, which tells it from an access token (and lets secret scanners find leaked ones). */
export const API_KEY_PREFIX = 'lsk_';
/** The prefix and 8 characters of the secret: shown in lists to recognise a key, too short to guess it. */
const SHOWN_LENGTH = API_KEY_PREFIX.length + 8;

export interface NewApiKeySecret {
  /** Handed to its creator once, never stored. */
  secret: string;
  hash: string;
  prefix: string;
}

/** 256 random bits after the prefix; only the SHA-256 is stored. */
export function createApiKeySecret(): NewApiKeySecret {
  const secret = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { secret, hash: hashApiKeySecret(secret), prefix: secret.slice(0, SHOWN_LENGTH) };
}

export function isApiKeySecret(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

export const hashApiKeySecret = hashOneTimeToken;

/** The stored hash against the one of the presented secret, in constant time. */
export function sameSecretHash(stored: string, presented: string): boolean {
  const left = Buffer.from(stored, 'hex');
  const right = Buffer.from(presented, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
