import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Config } from '../../config';
import { unauthenticated } from '../errors';

export interface AccessTokenClaims {
  userId: number;
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

export class AccessTokens {
  /** Built once: jsonwebtoken would otherwise derive a key object from the string on every call. */
  private readonly key: KeyObject;

  constructor(private readonly settings: Config['jwt']) {
    this.key = createSecretKey(Buffer.from(settings.secret));
  }

  sign(userId: number): SignedToken {
    const token = jwt.sign({ typ: ACCESS_TOKEN_TYPE }, this.key, {
      algorithm: ALGORITHM,
      subject: String(userId),
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      expiresIn: this.settings.expiresInSeconds,
    });
    const { exp } = jwt.decode(token) as { exp: number };
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** Verifies signature (HS256 only: `none` and asymmetric algorithms are refused), iss, aud, exp, nbf. */
  verify(token: string): AccessTokenClaims {
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
    if (payload.typ !== ACCESS_TOKEN_TYPE || !Number.isSafeInteger(userId) || userId <= 0 || !payload.iat || !payload.exp) {
      throw unauthenticated('invalid token');
    }
    return { userId, issuedAt: new Date(payload.iat * 1000), expiresAt: new Date(payload.exp * 1000) };
  }
}

/** Legacy clients send the bare token; everyone else sends `Bearer <token>`. */
export function tokenFromAuthorizationHeader(header: string | undefined): string | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  const bearer = /^Bearer\s+(.+)$/i.exec(value);
  return bearer ? bearer[1].trim() : value;
}
