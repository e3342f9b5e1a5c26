import type { RequestContext } from '../../graphql/context';
import { verifyAgainstDecoy, verifyPassword } from './passwords';
import { unauthenticated } from '../../shared/errors';
import { emailKey } from '../../shared/rate-limit/attempt-limiter';
import { User, UserStatus } from '../user/user.entity';
import type { AuthPayload, TokenInfo } from './auth.types';

/** One message for every failed login, so a response never tells whether an email exists. */
export const LOGIN_FAILED = 'wrong email or password';

export class AuthService {
  constructor(private readonly ctx: RequestContext) {}

  /** Counted per email and per client address before the password is checked; a success forgets the email's failures. */
  async login(email: string, password: string): Promise<AuthPayload> {
    const normalized = email.trim().toLowerCase();
    const attempt = { account: emailKey(normalized), address: this.ctx.request.clientIp };
    await this.ctx.deps.attempts.consume('login', attempt);
    const user = await this.ctx.em.findOne(User, { email: normalized }, { populate: ['passwordHash'] });
    const matches = user?.passwordHash ? await verifyPassword(user.passwordHash, password) : await verifyAgainstDecoy(password);
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
