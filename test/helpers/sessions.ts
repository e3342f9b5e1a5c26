import { randomUUID } from 'node:crypto';
import { AccessTokens } from '../../src/modules/auth/jwt';
import type { TestApp } from './test-app';

/** An access token of a new session of the user, as a login would give, without its password check. */
export async function sessionToken(app: TestApp, userId: number): Promise<string> {
  const sessionId = randomUUID();
  await app.orm.em
    .fork()
    .getConnection()
    .execute(`insert into sessions (id, user_id, expires_at) values (?, ?, now() + interval '1 day')`, [sessionId, userId]);
  return new AccessTokens(app.config.jwt).sign(userId, sessionId).token;
}

/** The session id an access token names (its `sid`), read without checking the signature. */
export function sessionIdOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { sid: string }).sid;
}
