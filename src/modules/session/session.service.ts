import type { RequestContext } from '../request-context';
import { canonicalEmail } from '../../shared/email-address';
import { unauthenticated } from '../../shared/errors';
import { type AttemptKeys, emailKey } from '../../shared/rate-limit/attempt-limiter';
import { User, UserStatus } from '../user/user.entity';
import type { AuthPayload, TokenInfo } from './session.types';

/** One message for every failed login, so a response never tells whether an email exists. */
export const LOGIN_FAILED = 'wrong email or password';

/** What a check of an account's password is counted against: the 'login' counters of its email from this client address. */
export const loginAttempt = (email: string, clientIp: string): AttemptKeys => ({ account: emailKey(email), address: clientIp });

export class SessionService {
  constructor(private readonly ctx: RequestContext) {}

  /** Counted per email and client address before the password is checked; a success forgets the failures from that address. */
  async login(email: string, password: string): Promise<AuthPayload> {
    const normalized = canonicalEmail(email);
    const attempt = loginAttempt(normalized, this.ctx.request.clientIp);
    await this.ctx.deps.attempts.consume('login', attempt);
    const user = await this.ctx.em.findOne(User, { email: normalized }, { populate: ['passwordHash'] });
    const { passwords } = this.ctx.deps;
    const matches = user?.passwordHash
      ? await passwords.verify(user.passwordHash, password)
      : await passwords.verifyAgainstDecoy(password);
    if (!user || !matches || user.status !== UserStatus.ACTIVE) throw unauthenticated(LOGIN_FAILED);
    await this.ctx.deps.attempts.succeeded('login', attempt);
    return this.issueToken(user);
  }

  issueToken(user: User): AuthPayload {
    this.ctx.signIn(user);
    const { token, expiresAt } = this.ctx.deps.tokens.sign(user.id);
    return { token, expiresAt, user };
  }

  validateToken(): TokenInfo {
    const user = this.ctx.requireViewer();
    return { valid: true, expiresAt: this.ctx.tokenExpiresAt!, user };
  }
}
