import type { EntityManager } from '@mikro-orm/postgresql';
import type { RateLimiterPostgres } from 'rate-limiter-flexible';
import { type User, UserStatus } from '../user/user.entity';
import { unauthenticated } from '../../shared/errors';
import { consumeAll } from '../../shared/rate-limit/postgres-counters';
import { rateLimited } from '../../shared/rate-limit/attempt-limiter';
import { hashApiKeySecret, isApiKeySecret, sameSecretHash } from './api-key-secret';
import type { CredentialUse } from './credential-use';
import { type AccessTokens, tokenFromAuthorizationHeader } from './jwt';
import { loadApiKeyViewer, loadViewer, type Scope, type SessionState } from './scope';

/** What the request presented: an access token of a session, or an API key. */
export type Credential = { kind: 'session'; sessionId: string; expiresAt: Date } | { kind: 'api-key'; apiKeyId: number };

export interface Authentication {
  /** The person: the session's user, or the key's creator (whom the key acts for). */
  user: User;
  scope: Scope;
  credential: Credential;
  /** How long ago the viewer last wrote (null: never, or not asked), by the primary's audit trail: see `loadViewer`. */
  lastWriteAgeMs: number | null;
}

export interface AuthenticatorSettings {
  tokens: AccessTokens;
  /** A session unused this long is over. */
  sessionIdleSeconds: number;
  /** Requests per minute of one API key (every gateway process counts together). */
  apiKeyRequests: RateLimiterPostgres;
  use: CredentialUse;
  /** Whether authenticating also reads when the viewer last wrote: only read replicas need it. */
  readLastWrite: boolean;
}

/**
 * Resolves the caller from its Authorization header: none means anonymous; anything present must
 * be a valid access token of a live session of an active user, or a live API key whose creator is
 * active and still holds a rank in the key's company.
 */
export async function authenticate(
  em: EntityManager,
  settings: AuthenticatorSettings,
  authorizationHeader: string | undefined,
  { countRequest = true }: AuthenticateOptions = {},
): Promise<Authentication | null> {
  const token = tokenFromAuthorizationHeader(authorizationHeader);
  if (!token) return null;
  return isApiKeySecret(token) ? authenticateApiKey(em, settings, token, countRequest) : authenticateSession(em, settings, token);
}

export interface AuthenticateOptions {
  /**
   * False when the HTTP request was counted already: one request that runs several operations (a
   * streamed export, page after page) counts once against an API key's rate.
   */
  countRequest?: boolean;
}

async function authenticateSession(em: EntityManager, settings: AuthenticatorSettings, token: string): Promise<Authentication> {
  const claims = settings.tokens.verify(token);
  const viewer = await loadViewer(em, claims.userId, claims.sessionId, settings.readLastWrite);
  if (!viewer || viewer.user.status !== UserStatus.ACTIVE) throw unauthenticated('invalid token');
  const problem = sessionProblem(viewer.session, settings.sessionIdleSeconds);
  if (problem) throw unauthenticated(problem);
  settings.use.session(em, claims.sessionId, viewer.session!.lastUsedAt);
  return {
    user: viewer.user,
    scope: viewer.scope,
    credential: { kind: 'session', sessionId: claims.sessionId, expiresAt: claims.expiresAt },
    lastWriteAgeMs: viewer.lastWriteAgeMs,
  };
}

/** Why a session can no longer be used, if it cannot. */
export function sessionProblem(session: SessionState | undefined, idleSeconds: number, now = Date.now()): string | undefined {
  if (!session) return 'invalid token';
  if (session.revokedAt) return 'session ended';
  if (session.expiresAt.getTime() <= now) return 'session expired';
  if (session.lastUsedAt.getTime() + idleSeconds * 1000 <= now) return 'session expired after inactivity';
  return undefined;
}

async function authenticateApiKey(
  em: EntityManager,
  settings: AuthenticatorSettings,
  secret: string,
  countRequest: boolean,
): Promise<Authentication> {
  const hash = hashApiKeySecret(secret);
  const viewer = await loadApiKeyViewer(em, hash, settings.readLastWrite);
  if (!viewer || !sameSecretHash(viewer.secretHash, hash)) throw unauthenticated('invalid API key');
  const { key, user } = viewer;
  if (key.revokedAt) throw unauthenticated('API key revoked');
  if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) throw unauthenticated('API key expired');
  if (user.status !== UserStatus.ACTIVE || key.rank <= 0) {
    throw unauthenticated("the API key's creator no longer holds a rank in its company");
  }
  if (countRequest) {
    await consumeAll([[settings.apiKeyRequests, String(key.id)]], (retryAfter) =>
      rateLimited(retryAfter, 'too many requests with this API key: try again later'),
    );
  }
  settings.use.apiKey(em, key.id, key.lastUsedAt);
  return {
    user,
    scope: viewer.scope,
    credential: { kind: 'api-key', apiKeyId: key.id },
    lastWriteAgeMs: viewer.lastWriteAgeMs,
  };
}
