import type { RequestHandler } from 'express';
import { withTimeout } from './with-timeout';

/** How long `/readyz` waits for the database before answering "not ready". */
export const READINESS_PROBE_TIMEOUT_MS = 2_000;
const RETRY_AFTER_SECONDS = 5;

export type ReadinessState = 'ready' | 'shutting_down' | 'database_unavailable';

/**
 * Whether this instance should receive traffic: not once a shutdown has begun (the load balancer
 * stops sending new requests while the ones in flight finish), and not while the database fails
 * to answer a trivial statement within a short bound (a probe must never hang with the database).
 */
export class Readiness {
  private stopping = false;

  constructor(
    private readonly probeDatabase: () => Promise<unknown>,
    private readonly timeoutMs = READINESS_PROBE_TIMEOUT_MS,
  ) {}

  /** From now on the instance reports not ready; there is no way back, a shutdown follows. */
  stopAccepting(): void {
    this.stopping = true;
  }

  get shuttingDown(): boolean {
    return this.stopping;
  }

  async check(): Promise<ReadinessState> {
    if (this.stopping) return 'shutting_down';
    // A probe that outlives the bound settles later on its own; its outcome no longer matters.
    const answered = await withTimeout(
      this.probeDatabase().then(
        () => true,
        () => false,
      ),
      this.timeoutMs,
      false,
    );
    return answered ? 'ready' : 'database_unavailable';
  }

  /** `GET /readyz`: 200 `{status: "ready"}`, or 503 with `Retry-After` and the reason. */
  handler(): RequestHandler {
    return async (_req, res) => {
      const state = await this.check();
      if (state === 'ready') {
        res.json({ status: 'ready' });
        return;
      }
      res.status(503).set('Retry-After', String(RETRY_AFTER_SECONDS)).json({ status: 'unavailable', reason: state });
    };
  }
}
