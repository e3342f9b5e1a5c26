import type { EntityManager } from '@mikro-orm/postgresql';
import { type User, UserStatus } from '../user/user.entity';
import { unauthenticated } from '../../shared/errors';
import { type AccessTokens, tokenFromAuthorizationHeader } from './jwt';
import { loadViewer, type Scope } from './scope';

export interface Authentication {
  user: User;
  scope: Scope;
  tokenExpiresAt: Date;
}

/**
 * Resolves the caller from its Authorization header: none means anonymous, anything present must
 * be a valid access token of an active user issued after its last credential change.
 */
export async function authenticate(
  em: EntityManager,
  tokens: AccessTokens,
  authorizationHeader: string | undefined,
): Promise<Authentication | null> {
  const token = tokenFromAuthorizationHeader(authorizationHeader);
  if (!token) return null;
  const claims = tokens.verify(token);
  const viewer = await loadViewer(em, claims.userId);
  if (!viewer || viewer.user.status !== UserStatus.ACTIVE) throw unauthenticated('invalid token');
  const { user, scope } = viewer;
  const changedAt = user.credentialsChangedAt ? Math.floor(user.credentialsChangedAt.getTime() / 1000) : 0;
  if (changedAt > claims.issuedAt.getTime() / 1000) throw unauthenticated('token revoked by a credential change');
  return { user, scope, tokenExpiresAt: claims.expiresAt };
}
