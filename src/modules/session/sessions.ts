import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { queryPrepared } from '../../db/prepared-statements';
import { createOneTimeToken } from '../auth/one-time-token';
import type { User } from '../user/user.entity';
import { RefreshToken } from './refresh-token.entity';
import { Session, type SessionEnd } from './session.entity';

/** Where a session is started from, as the request tells it. */
export interface SessionOrigin {
  clientIp: string;
  userAgent: string | undefined;
}

/**
 * Starts a session of `user` lasting at most `maxSeconds`, with its first refresh token (returned,
 * only its hash is stored). Flushed in `tx`, so the caller's transaction commits it with its change.
 */
export async function startSession(
  tx: EntityManager,
  user: User,
  origin: SessionOrigin,
  maxSeconds: number,
): Promise<{ session: Session; refreshToken: string }> {
  const now = new Date();
  const session = tx.create(Session, {
    id: randomUUID(),
    user: user.id,
    createdAt: now,
    lastUsedAt: now,
    expiresAt: new Date(now.getTime() + maxSeconds * 1000),
    clientIp: origin.clientIp,
    userAgent: origin.userAgent ?? null,
  });
  const refreshToken = issueRefreshToken(tx, session);
  await tx.flush();
  return { session, refreshToken };
}

/** A new refresh token of `session`, persisted with the next flush. */
export function issueRefreshToken(tx: EntityManager, session: Session): string {
  const { token, hash } = createOneTimeToken();
  tx.create(RefreshToken, { tokenHash: hash, session });
  return token;
}

/** Ends every live session of the user (a password change or reset, a deactivation); returns how many. */
export async function endSessionsOf(tx: EntityManager, userId: number, reason: SessionEnd): Promise<number> {
  const ended = await queryPrepared(
    tx,
    'update sessions set revoked_at = now(), revoked_reason = ? where user_id = ? and revoked_at is null returning id',
    [reason, userId],
  );
  return ended.length;
}

/** Ends one live session; false when it was over already. */
export async function endSession(tx: EntityManager, sessionId: string, reason: SessionEnd): Promise<boolean> {
  const ended = await queryPrepared(
    tx,
    'update sessions set revoked_at = now(), revoked_reason = ? where id = ? and revoked_at is null returning id',
    [reason, sessionId],
  );
  return ended.length > 0;
}
