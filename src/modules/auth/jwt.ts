import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Config } from '../../config';
import { unauthenticated } from '../../shared/errors';

export interface AccessTokenClaims {
  userId: number;
  /** The session that issued the token: ending it refuses the token. */
  sessionId: string;
  issuedAt: Date;
  expiresAt: Date;
}

export interface SignedToken {
  token: string;
  expiresAt: Date;
}

/** The only token type the gateway accepts as a credential; reset and invitation tokens are not JWTs. */
const ACCESS_TOKEN_TYPE = 'access';
const ALGORITHM = 'HS256';
/** Session ids are UUIDs, written in lower case: anything else in `sid` is not a token this gateway signed for a session. */
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `value` can be a session id (a lower-case UUID): what the database could look up. */
export function isSessionId(value: string): boolean {
  return SESSION_ID.test(value);
}
/** About as many clients as send requests within a token's lifetime; ~1.5 MB when full. */
const VERIFIED_TOKENS_KEPT = 10_000;

export class AccessTokens {
  /** Built once: jsonwebtoken would otherwise derive a key object from the string on every call. */
  private readonly key: KeyObject;
  /**
   * Tokens that passed `verify`, by the SHA-256 of their text (the tokens themselves are not kept),
   * with their claims, oldest first. A client sends the same token with every request; checking
   * its signature and claims again would give the same answer until it expires, which is checked
   * on every use. Only tokens this key signed get here, so a client cannot fill it with made-up ones.
   */
  private readonly verified = new Map<string, AccessTokenClaims>();

  constructor(private readonly settings: Config['jwt']) {
    this.key = createSecretKey(Buffer.from(settings.secret));
  }

  sign(userId: number, sessionId: string): SignedToken {
    const token = jwt.sign({ typ: ACCESS_TOKEN_TYPE, sid: sessionId }, this.key, {
      algorithm: ALGORITHM,
      subject: String(userId),
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      expiresIn: this.settings.expiresInSeconds,
    });
    const { exp } = jwt.decode(token) as { exp: number };
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /**
   * Verifies signature (HS256 only: `none` and asymmetric algorithms are refused), iss, aud, exp,
   * nbf; a token verified before is only checked for expiry. Whether the user may still use it is
   * the caller's question (authenticate.ts).
   */
  verify(token: string): AccessTokenClaims {
    const digest = createHash('sha256').update(token).digest('base64');
    const known = this.verified.get(digest);
    if (!known) return this.remember(digest, this.verifyClaims(token));
    // jsonwebtoken's rule: expired from the second `exp` names.
    if (Math.floor(Date.now() / 1000) < known.expiresAt.getTime() / 1000) return known;
    this.verified.delete(digest);
    throw unauthenticated('token expired');
  }

  private remember(digest: string, claims: AccessTokenClaims): AccessTokenClaims {
    if (this.verified.size >= VERIFIED_TOKENS_KEPT) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(digest, claims);
    return claims;
  }

  private verifyClaims(token: string): AccessTokenClaims {
    let payload: jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        complete: false,
      }) as jwt.JwtPayload;
    } catch (error) {
      throw unauthenticated(error instanceof jwt.TokenExpiredError ? 'token expired' : 'invalid token');
    }
    const userId = Number(payload.sub);
    const sessionId: unknown = payload.sid;
    if (
      payload.typ !== ACCESS_TOKEN_TYPE ||
      !Number.isSafeInteger(userId) ||
      userId <= 0 ||
      typeof sessionId !== 'string' ||
      !isSessionId(sessionId) ||
      !payload.iat ||
      !payload.exp
    ) {
      throw unauthenticated('invalid token');
    }
    // Shared by every request that sends this token: nobody may change them.
    return Object.freeze({ userId, sessionId, issuedAt: new Date(payload.iat * 1000), expiresAt: new Date(payload.exp * 1000) });
  }
}

/** Legacy clients send the bare token; everyone else sends `Bearer <token>`. */
export function tokenFromAuthorizationHeader(header: string | undefined): string | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  const bearer = /^Bearer\s+(.+)$/i.exec(value);
  return bearer ? bearer[1].trim() : value;
}
