import { createHash, randomBytes } from 'node:crypto';

/**
 * Tokens that travel only by mail (password resets, invitations): 32 random bytes, base64url.
 * Only their SHA-256 is stored, so a copy of the database cannot be used to take over accounts.
 */
export interface OneTimeToken {
  token: string;
  hash: string;
}

export function createOneTimeToken(): OneTimeToken {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashOneTimeToken(token) };
}

export function hashOneTimeToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
