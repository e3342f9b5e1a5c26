import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type ClassifiedError, serviceUnavailable } from '../errors';

export interface AdmissionSettings {
  /** Requests past the gate at once: authenticating, executing, answering. */
  concurrent: number;
  /** Requests waiting for a turn; one more is refused at once. */
  queued: number;
  /** How long a request may wait for its turn before it is refused. */
  maxWaitMs: number;
}

/** How a refusal reads on the transport the gate stands in front of (`sendError`, `sendGraphQLError`). */
export type Refusal = (res: Response, error: ClassifiedError) => void;

const BUSY = () => serviceUnavailable('the gateway is busy, retry shortly', 1);

/**
 * The first thing a GraphQL or REST request meets, before its body is read or its credentials are
 * looked up: past `concurrent` requests in progress, the others wait in arrival order, at most
 * `queued` of them and each at most `maxWaitMs`; the rest are answered 503 with Retry-After at
 * once. Under overload a refused request then costs no database round trip and no pooled
 * connection, so the requests admitted keep the whole machine; and the wait is bounded in time,
 * not only in length, so an admitted request is answered within the wait plus its own work.
 * A request whose client leaves while it waits gives its place up.
 */
export class RequestAdmission {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private refused = 0;

  constructor(private readonly settings: AdmissionSettings) {}

  /** Requests past the gate, waiting, and refused so far: what the metrics read when scraped. */
  get load(): { running: number; waiting: number; refused: number } {
    return { running: this.running, waiting: this.waiting.length, refused: this.refused };
  }

  gate(refuse: Refusal): RequestHandler {
    const refuseBusy = (res: Response) => {
      this.refused += 1;
      refuse(res, BUSY());
    };
    return (_req: Request, res: Response, next: NextFunction) => {
      if (this.running < this.settings.concurrent) {
        this.running += 1;
        return this.admit(res, next);
      }
      if (this.waiting.length >= this.settings.queued) return refuseBusy(res);
      const turn = () => {
        clearTimeout(timer);
        res.off('close', leave);
        this.admit(res, next);
      };
      const leave = () => {
        clearTimeout(timer);
        this.dequeue(turn);
      };
      const timer = setTimeout(() => {
        res.off('close', leave);
        this.dequeue(turn);
        refuseBusy(res);
      }, this.settings.maxWaitMs);
      // Before its response, a response's 'close' means the client went away.
      res.once('close', leave);
      this.waiting.push(turn);
    };
  }

  /** Runs the request; its slot passes on once its response is over (sent, or its client gone). */
  private admit(res: Response, next: NextFunction): void {
    res.once('close', () => this.release());
    next();
  }

  private release(): void {
    // The slot passes straight to the next waiter, so `running` counts it without a gap.
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }

  private dequeue(turn: () => void): void {
    const index = this.waiting.indexOf(turn);
    if (index >= 0) this.waiting.splice(index, 1);
  }
}
