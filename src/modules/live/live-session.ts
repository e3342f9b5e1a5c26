import { type DomainError, isDomainError, unauthenticated } from '../../shared/errors';
import type { RequestInfo } from '../../shared/http/request-info';
import { type AppDeps, RequestContext } from '../request-context';

/**
 * The credential of a live connection (a WebSocket, or one SSE stream), checked again with the same
 * `authenticate` as every request: every `recheckMs` and before every message. Once it is refused
 * (the session was revoked or expired, the key revoked, the user deactivated) the session ends,
 * for good: its subscriptions stop and its transport closes (WebSocket 4401, SSE an error).
 */
export class LiveSession {
  private endedWith: DomainError | undefined;
  private readonly endListeners = new Set<(reason: DomainError) => void>();
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly deps: AppDeps,
    private readonly request: RequestInfo,
  ) {}

  /** Authenticates the connection; anonymous or refused credentials throw UNAUTHENTICATED. */
  static async open(deps: AppDeps, request: RequestInfo): Promise<{ session: LiveSession; context: RequestContext }> {
    const session = new LiveSession(deps, request);
    const context = await session.authenticated(true);
    session.timer = setInterval(() => void session.recheck(), deps.config.subscriptionRecheckMs);
    session.timer.unref();
    return { session, context };
  }

  get ended(): DomainError | undefined {
    return this.endedWith;
  }

  /** A fresh context (its own EntityManager and loaders) of the viewer, its credential checked again. */
  async context(): Promise<RequestContext> {
    if (this.endedWith) throw this.endedWith;
    return this.authenticated(false);
  }

  /** Runs `listener` once when the session ends; returns the unsubscribe. */
  onEnd(listener: (reason: DomainError) => void): () => void {
    if (this.endedWith) {
      listener(this.endedWith);
      return () => undefined;
    }
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** Ends the session (refused credential, or the gateway shutting down); idempotent. */
  end(reason: DomainError): void {
    if (this.endedWith) return;
    this.endedWith = reason;
    this.close();
    for (const listener of [...this.endListeners]) listener(reason);
    this.endListeners.clear();
  }

  /** The connection closed: stop checking. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async authenticated(first: boolean): Promise<RequestContext> {
    // An API key's rate counts the connection once, not every check.
    const context = await RequestContext.create(this.deps, this.request, { countRequest: first });
    if (context.viewer) return context;
    const refusal = context.refusedCredentials ?? unauthenticated();
    if (!first) this.end(refusal);
    throw refusal;
  }

  private async recheck(): Promise<void> {
    if (this.endedWith) return;
    try {
      await this.authenticated(false);
    } catch (error) {
      // A database that does not answer is no reason to end a subscription: the next check decides.
      if (!isDomainError(error, 'UNAUTHENTICATED')) {
        this.deps.logger.warn({ err: error, requestId: this.request.requestId }, 'could not recheck a live credential');
      }
    }
  }
}

/** The live session a subscription's context belongs to (set by the transport). */
const sessions = new WeakMap<RequestContext, LiveSession>();

export function bindLiveSession(context: RequestContext, session: LiveSession): RequestContext {
  sessions.set(context, session);
  return context;
}

export function liveSessionOf(context: RequestContext): LiveSession | undefined {
  return sessions.get(context);
}

/**
 * What a live stream yields: the value and the context to resolve it with (its own, fresh one, so
 * its fields are read as they are now), or the error that ends the stream.
 */
export class LivePayload<T> {
  private constructor(
    readonly value: T | undefined,
    readonly context: RequestContext | undefined,
    readonly error: unknown,
  ) {}

  static of<T>(value: T, context: RequestContext): LivePayload<T> {
    return new LivePayload(value, context, undefined);
  }

  static failure<T>(error: unknown): LivePayload<T> {
    return new LivePayload<T>(undefined, undefined, error);
  }

  /** The value, or the error the stream ended with (it becomes the message's error). */
  unwrap(): T {
    if (this.error !== undefined) throw this.error;
    return this.value as T;
  }
}
