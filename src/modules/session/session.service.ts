import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { RequestContext } from '../request-context';
import { sessionProblem } from '../auth/authenticate';
import { isSessionId } from '../auth/jwt';
import { hashOneTimeToken } from '../auth/one-time-token';
import { assertMayManageAccount } from '../auth/policy';
import { canonicalEmail } from '../../shared/email-address';
import { isDomainError, notFound, unauthenticated } from '../../shared/errors';
import { parseId } from '../../shared/ids';
import type { LoginOutcome } from '../../shared/metrics/gateway-metrics';
import { type AttemptKeys, emailKey } from '../../shared/rate-limit/attempt-limiter';
import { User, UserStatus } from '../user/user.entity';
import { RefreshToken } from './refresh-token.entity';
import { Session } from './session.entity';
import { endSession, endSessionsOf, issueRefreshToken, startSession } from './sessions';
import type { AuthPayload, TokenInfo } from './session.types';

/** One message for every failed login, so a response never tells whether an email exists. */
export const LOGIN_FAILED = 'wrong email or password';
const INVALID_REFRESH_TOKEN = 'invalid refresh token: sign in again';

/** What a check of an account's password is counted against: the 'login' counters of its email from this client address. */
export const loginAttempt = (email: string, clientIp: string): AttemptKeys => ({ account: emailKey(email), address: clientIp });

/** What refreshing found: a new pair, or why not (a reused token has just ended its session). */
type Refreshed = { payload: AuthPayload } | { refusal: string };

export class SessionService {
  constructor(private readonly ctx: RequestContext) {}

  /** Counted per email and client address before the password is checked; a success forgets the failures from that address. */
  async login(email: string, password: string): Promise<AuthPayload> {
    const normalized = canonicalEmail(email);
    const attempt = loginAttempt(normalized, this.ctx.request.clientIp);
    const { attempts, passwords, metrics } = this.ctx.deps;
    try {
      await attempts.consume('login', attempt);
    } catch (error) {
      if (isDomainError(error, 'RATE_LIMITED')) metrics.loginEnded('rate_limited');
      throw error;
    }
    const user = await this.ctx.em.findOne(User, { email: normalized }, { populate: ['passwordHash'] });
    const matches = user?.passwordHash
      ? await passwords.verify(user.passwordHash, password)
      : await passwords.verifyAgainstDecoy(password);
    const failure = loginFailure(user, matches);
    if (failure || !user) {
      metrics.loginEnded(failure ?? 'unknown_email');
      await this.ctx.services.audit.recordAlone({
        action: 'session.login_failed',
        targetType: 'user',
        targetId: user?.id ?? null,
      });
      throw unauthenticated(LOGIN_FAILED);
    }
    await attempts.succeeded('login', attempt);
    const payload = await this.ctx.em.transactional((tx) => this.signIn(tx, user));
    metrics.loginEnded('success');
    return payload;
  }

  /**
   * Starts a session of `user` in `tx` (the transaction of the change that proved who the caller is:
   * a login, an accepted invitation) and issues its first token pair; the rest of the operation runs as `user`.
   */
  async signIn(tx: EntityManager, user: User): Promise<AuthPayload> {
    const { session, refreshToken } = await startSession(tx, user, this.ctx.request, this.ctx.deps.config.sessions.maxSeconds);
    const payload = this.issue(user, session, refreshToken);
    await this.ctx.services.audit.record(tx, { action: 'session.login', targetType: 'session', targetId: session.id });
    return payload;
  }

  /**
   * Rotates: the presented refresh token dies and a new pair is issued. A token presented again
   * after its rotation was copied: the whole session ends (and the event is recorded).
   */
  async refresh(refreshToken: string): Promise<AuthPayload> {
    const tokenHash = hashOneTimeToken(refreshToken);
    const outcome = await this.ctx.em.transactional(async (tx): Promise<Refreshed> => {
      const presented = await tx.findOne(
        RefreshToken,
        { tokenHash },
        {
          populate: ['session', 'session.user'],
          lockMode: LockMode.PESSIMISTIC_WRITE,
          lockTableAliases: ['r0'],
        },
      );
      if (!presented) return { refusal: INVALID_REFRESH_TOKEN };
      const { session } = presented;
      const audit = this.ctx.services.audit;
      if (presented.rotatedAt) {
        if (await endSession(tx, session.id, 'refresh-reused')) {
          await audit.record(tx, { action: 'session.refresh_reused', targetType: 'session', targetId: session.id });
        }
        return { refusal: 'this refresh token was used before: the session has ended, sign in again' };
      }
      const problem = sessionProblem(session, this.ctx.deps.config.sessions.idleSeconds);
      if (problem || session.user.status !== UserStatus.ACTIVE) return { refusal: INVALID_REFRESH_TOKEN };
      const now = new Date();
      presented.rotatedAt = now;
      session.lastUsedAt = now;
      const next = issueRefreshToken(tx, session);
      await tx.flush();
      // Issued first: from here on the request acts as the session's user, who the event names.
      const payload = this.issue(session.user, session, next);
      await audit.record(tx, { action: 'session.refresh', targetType: 'session', targetId: session.id });
      return { payload };
    });
    if ('refusal' in outcome) throw unauthenticated(outcome.refusal);
    return outcome.payload;
  }

  /** Ends the session of this request's token. */
  async logout(): Promise<boolean> {
    const { sessionId } = this.ctx.requireSession();
    await this.ctx.em.transactional(async (tx) => {
      if (await endSession(tx, sessionId, 'logout')) {
        await this.ctx.services.audit.record(tx, { action: 'session.logout', targetType: 'session', targetId: sessionId });
      }
    });
    return true;
  }

  /** The live sessions of the viewer, or of a user whose account the viewer may manage; last used first. */
  async list(userId: string | undefined): Promise<Session[]> {
    const owner = await this.ownerOfSessions(userId);
    const sessions = await this.ctx.em.find(
      Session,
      { user: owner.id, revokedAt: null, expiresAt: { $gt: new Date() } },
      { orderBy: { lastUsedAt: 'desc', id: 'asc' } },
    );
    const idleSeconds = this.ctx.deps.config.sessions.idleSeconds;
    return sessions.filter((session) => !sessionProblem(session, idleSeconds));
  }

  /** Ends one session of the viewer, or of a user whose account the viewer may manage. */
  async revoke(sessionId: string): Promise<boolean> {
    const viewer = this.ctx.requireSession().user;
    // A malformed id would make PostgreSQL fail: it answers as one that does not exist.
    const id = sessionId.toLowerCase();
    const session = isSessionId(id) ? await this.ctx.em.findOne(Session, { id }) : null;
    if (!session || session.revokedAt) throw notFound('session', sessionId);
    if (session.user.id !== viewer.id) {
      // Someone else's session answers as one that does not exist unless the viewer may see its user.
      const owner = await this.ctx.loaders.userById.load(session.user.id);
      if (!owner || !(await this.ctx.services.users.isVisible(owner))) throw notFound('session', sessionId);
      await this.assertMayManage(owner.id);
    }
    await this.ctx.em.transactional(async (tx) => {
      if (await endSession(tx, session.id, 'revoked')) {
        await this.ctx.services.audit.record(tx, { action: 'session.revoke', targetType: 'session', targetId: session.id });
      }
    });
    return true;
  }

  /** Ends every session of the viewer (this one included), or of a user whose account it may manage; returns how many. */
  async revokeAll(userId: string | undefined): Promise<number> {
    const owner = await this.ownerOfSessions(userId);
    return this.ctx.em.transactional(async (tx) => {
      const ended = await endSessionsOf(tx, owner.id, 'revoked');
      if (ended) {
        await this.ctx.services.audit.record(tx, {
          action: 'session.revoke',
          targetType: 'user',
          targetId: owner.id,
          changes: { sessions: { old: ended, new: 0 } },
        });
      }
      return ended;
    });
  }

  validateToken(): TokenInfo {
    const { user, expiresAt } = this.ctx.requireSession();
    return { valid: true, expiresAt, user };
  }

  /** Whether `session` is the one this request's token belongs to. */
  isCurrent(session: Session): boolean {
    const credential = this.ctx.credential;
    return credential?.kind === 'session' && credential.sessionId === session.id;
  }

  private issue(user: User, session: Session, refreshToken: string): AuthPayload {
    const { token, expiresAt } = this.ctx.deps.auth.tokens.sign(user.id, session.id);
    this.ctx.signIn(user, { kind: 'session', sessionId: session.id, expiresAt });
    return { token, expiresAt, refreshToken, user };
  }

  private async ownerOfSessions(userId: string | undefined): Promise<User> {
    const viewer = this.ctx.requireSession().user;
    if (userId === undefined || parseId(userId, 'userId') === viewer.id) return viewer;
    const user = await this.ctx.services.users.findVisible(parseId(userId, 'userId'));
    await this.assertMayManage(user.id);
    return user;
  }

  private async assertMayManage(userId: number): Promise<void> {
    await assertMayManageAccount(await this.ctx.scope(), () => this.ctx.services.accesses.userAccessesHeldBy(userId));
  }
}

/** Why a login failed, for the metrics (the client only learns LOGIN_FAILED); undefined when it succeeds. */
function loginFailure(
  user: User | null,
  passwordMatches: boolean,
): Exclude<LoginOutcome, 'success' | 'rate_limited'> | undefined {
  if (!user) return 'unknown_email';
  if (!user.passwordHash) return 'no_password';
  if (!passwordMatches) return 'wrong_password';
  return user.status === UserStatus.ACTIVE ? undefined : 'inactive';
}
