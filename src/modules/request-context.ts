import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import type { JobQueue } from '../db/job-queue';
import { readFrom, type ReadReplicas } from '../db/read-replicas';
import type { MailQueue } from './mail/mail-queue';
import type { InvitationQuota } from './invitation/invitation-quota';
import type { User } from './user/user.entity';
import {
  type AuthenticateOptions,
  type Authentication,
  authenticate,
  type AuthenticatorSettings,
  type Credential,
} from './auth/authenticate';
import type { BackgroundTasks } from '../shared/background-tasks';
import type { EventBus } from './events/event-bus';
import type { PasswordHashing } from './auth/password-hashing';
import { loadScope, Scope } from './auth/scope';
import { type DomainError, forbidden, isDomainError, unauthenticated } from '../shared/errors';
import type { RequestInfo } from '../shared/http/request-info';
import type { Logger } from '../shared/logger';
import type { GatewayMetrics } from '../shared/metrics/gateway-metrics';
import type { MaybePromise } from '../shared/maybe-promise';
import type { AttemptLimiter } from '../shared/rate-limit/attempt-limiter';
import type { FileStorage } from '../shared/storage/file-storage';
import { createLoaders, type Loaders } from './loaders';
import { createServices, type Services } from './services';

/** What the whole app shares: built once in `createApp`. */
export interface AppDeps {
  orm: MikroORM;
  config: Config;
  logger: Logger;
  /** Access tokens, session expiry, API key rate limits: what authenticating a request needs. */
  auth: AuthenticatorSettings;
  /** Background work in PostgreSQL (pg-boss): imports, mails, password resets; any process runs the jobs. */
  jobs: JobQueue;
  /** Queues a mail (in the transaction of the change it tells about). */
  mails: MailQueue;
  /** Work started by a request that finishes after its response, in this process (last-use stamps of credentials). */
  background: BackgroundTasks;
  storage: FileStorage;
  /** Counts login, password reset and invitation acceptance attempts (rate limits). */
  attempts: AttemptLimiter;
  /** Invitations created per inviter and per company (rate limits). */
  invitationQuota: InvitationQuota;
  /** Every password hash or verification of a request goes through it: it bounds how many are in flight. */
  passwords: PasswordHashing;
  /** Committed domain events and import progress, delivered to this process (live subscriptions). */
  events: EventBus;
  /** DATABASE_READ_URLS, for the reads of query operations (none: all on the primary). */
  replicas: ReadReplicas;
  /** This app's Prometheus metrics: services count what only they know (why a login failed). */
  metrics: GatewayMetrics;
}

/**
 * The one request context both transports use: a forked EntityManager, the authenticated viewer,
 * per-request DataLoaders and services, and the viewer's scope computed at most once.
 */
export class RequestContext {
  readonly loaders: Loaders;
  readonly services: Services;
  /** The viewer's scope once known, or the statement loading it. */
  private knownScope?: MaybePromise<Scope>;
  /** The viewer wrote within READ_AFTER_WRITE_MS: its reads stay on the primary. */
  private viewerWroteRecently = false;

  private constructor(
    readonly deps: AppDeps,
    readonly em: EntityManager,
    readonly request: RequestInfo,
    private authenticatedUser: User | null,
    private presentedCredential: Credential | null,
    /**
     * Why the credentials the request sent were refused (expired, revoked, garbage). The request runs
     * as anonymous, so public operations still work; anything that needs a viewer answers this.
     */
    readonly refusedCredentials: DomainError | undefined,
  ) {
    this.loaders = createLoaders(em);
    this.services = createServices(this);
  }

  static async create(deps: AppDeps, request: RequestInfo, options?: AuthenticateOptions): Promise<RequestContext> {
    const em = deps.orm.em.fork();
    let auth: Authentication | null = null;
    let refused: DomainError | undefined;
    try {
      auth = await authenticate(em, deps.auth, request.authorization, options);
    } catch (error) {
      if (!isDomainError(error, 'UNAUTHENTICATED')) throw error;
      refused = error;
    }
    const context = new RequestContext(deps, em, request, auth?.user ?? null, auth?.credential ?? null, refused);
    if (auth) context.knownScope = auth.scope;
    context.viewerWroteRecently = auth?.lastWriteAgeMs != null && auth.lastWriteAgeMs < deps.config.readReplicas.readAfterWriteMs;
    return context;
  }

  /**
   * For a query operation, once it is known to be one: its reads outside transactions go to a
   * healthy replica, unless the viewer wrote within READ_AFTER_WRITE_MS (it must see its writes).
   * The viewer itself was read on the primary, so a revoked credential is never taken from a
   * lagging replica.
   */
  readFromReplica(): void {
    if (this.viewerWroteRecently) return;
    const replica = this.deps.replicas.choose();
    if (replica) readFrom(this.em, replica);
  }

  get viewer(): User | null {
    return this.authenticatedUser;
  }

  /** The access token's session or the API key the request came with (null: anonymous). */
  get credential(): Credential | null {
    return this.presentedCredential;
  }

  /**
   * The rest of this operation runs as `user` in its new session: the user just proved who they
   * are (login, accepting an invitation, resetting a password), so the payload shows what it may see.
   */
  signIn(user: User, credential: Credential | null): void {
    this.authenticatedUser = user;
    this.presentedCredential = credential;
    this.knownScope = undefined;
  }

  /**
   * Whether `userId` is the person making the request. Never for an API key: it acts for its creator
   * with its own access, not as the creator, so what people may do to their own account it may not.
   */
  isSelf(userId: number): boolean {
    return this.presentedCredential?.kind === 'session' && this.authenticatedUser?.id === userId;
  }

  /** The viewer and its session; an API key is refused (sessions, passwords and keys belong to people). */
  requireSession(): { user: User; sessionId: string; expiresAt: Date } {
    const user = this.requireViewer();
    const credential = this.presentedCredential;
    if (credential?.kind !== 'session') throw forbidden('not with an API key: sign in as a person');
    return { user, sessionId: credential.sessionId, expiresAt: credential.expiresAt };
  }

  requireViewer(): User {
    if (!this.viewer) throw this.refusedCredentials ?? unauthenticated();
    return this.viewer;
  }

  /** Synchronous for an authenticated request: the scope came with the viewer. */
  scope(): MaybePromise<Scope> {
    if (this.knownScope) return this.knownScope;
    if (!this.viewer) return (this.knownScope = Scope.anonymous);
    const loading = loadScope(this.em, this.viewer.id);
    this.knownScope = loading;
    // Once loaded, later calls get the scope itself; a failed load is tried again by the next call.
    loading.then(
      (scope) => {
        if (this.knownScope === loading) this.knownScope = scope;
      },
      () => {
        if (this.knownScope === loading) this.knownScope = undefined;
      },
    );
    return loading;
  }
}
