import type { EntityManager } from '@mikro-orm/postgresql';
import { createOneTimeToken } from '../auth/one-time-token';
import type { User } from '../user/user.entity';
import { PasswordResetToken } from './password-reset-token.entity';

export const HOUR_MS = 3_600_000;
/** A reset someone asked for: short, because the mail may sit in an inbox others can read. */
export const RESET_LINK_HOURS = 1;
/** The "choose your password" link of a new account: its owner may not read mail for days. */
export const SET_PASSWORD_LINK_DAYS = 7;

/**
 * Stores the hash of a fresh token for `user` (flushed with the caller's unit of work) and returns
 * the token itself, which goes into the mail and nowhere else.
 */
export function issuePasswordToken(em: EntityManager, user: User, validForMs: number): string {
  const { token, hash } = createOneTimeToken();
  const now = new Date();
  em.create(PasswordResetToken, {
    user: user.id,
    tokenHash: hash,
    expiresAt: new Date(now.getTime() + validForMs),
    createdAt: now,
  });
  return token;
}

/** Uses up every outstanding token of the user: its password, email or status changed under them. */
export async function revokePasswordTokens(tx: EntityManager, userId: number, at: Date): Promise<void> {
  await tx.nativeUpdate(PasswordResetToken, { user: userId, usedAt: null }, { usedAt: at });
}
