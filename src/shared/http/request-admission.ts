import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type ErrorBody, STATUS_BY_CODE, serviceUnavailable } from '../errors';
import { WaitingLine } from '../waiting-line';

export interface AdmissionSettings {
  /** Requests past the gate at once: authenticating, executing, answering. */
  concurrent: number;
  /** Requests waiting for a turn; one more is refused at once. */
  queued: number;
  /** How long a request may wait for its turn before it is refused. */
  maxWaitMs: number;
}

const BUSY = serviceUnavailable('the gateway is busy, retry shortly', 1);

/**
 * The refusal, serialized once: written straight to the socket's response, past express's `send`,
 * because under overload refusals are most of what the process does.
 */
function busyAnswer(bodyOf: ErrorBody): (res: ServerResponse) => void {
  const body = Buffer.from(JSON.stringify(bodyOf(BUSY)));
  const headers = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(body.length),
    'Retry-After': String(BUSY.retryAfter),
  };
  return (res) => res.writeHead(STATUS_BY_CODE[BUSY.code], headers).end(body);
}

/**
 * The first thing a GraphQL or REST request meets, before its access-log line, its body or its
 * credentials: past `concurrent` requests in progress, the others wait for a turn, at most `queued`
 * of them and each at most `maxWaitMs`; the rest are answered 503 with Retry-After. A refused
 * request costs no database round trip, no pooled connection and next to no CPU, so the requests
 * admitted keep the whole machine. A request whose client leaves while it waits gives its place up.
 *
 * Turns go in arrival order while the line moves. The line is overload when its oldest request has
 * waited more than half of `maxWaitMs` and more requests wait than the gateway finished within the
 * last `maxWaitMs` (so in arrival order some would time out anyway). There arrival order would serve
 * only requests that have already waited almost `maxWaitMs` while the rest time out; so the newest
 * request goes first (adaptive LIFO): an admitted request is answered within its own work, not the
 * wait plus its work, and the ones refused are those that waited the whole bound. A client that
 * retries as soon as it is refused (as load generators do) then does so at most once per
 * `maxWaitMs`, instead of as fast as the gateway can refuse. A short line that only moves slowly
 * (slow requests, a busy machine) stays in arrival order, so none of it starves.
 */
export class RequestAdmission {
  private running = 0;
  private readonly waiting = new WaitingLine<() => void>();
  private refused = 0;
  /** When the requests finished within the last `maxWaitMs` finished, oldest first. */
  private readonly finished = new RecentTimes();

  constructor(private readonly settings: AdmissionSettings) {}

  /** Requests past the gate, waiting, and refused so far: what the metrics read when scraped. */
  get load(): { running: number; waiting: number; refused: number } {
    return { running: this.running, waiting: this.waiting.length, refused: this.refused };
  }

  /**
   * The gate for the paths below its mount point, but `exempt` (which answer by themselves, or hold
   * their connection as long as their client stays); a refusal's body reads as `bodyOf` writes it
   * (`restErrorBody`, `graphqlErrorBody`).
   */
  gate(bodyOf: ErrorBody, exempt: (path: string) => boolean = () => false): RequestHandler {
    const answerBusy = busyAnswer(bodyOf);
    const refuseBusy = (res: Response) => {
      this.refused += 1;
      answerBusy(res);
    };
    return (req: Request, res: Response, next: NextFunction) => {
      if (exempt(req.path)) return next();
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
      const place = this.waiting.join(turn, performance.now());
      const leave = () => {
        clearTimeout(timer);
        this.waiting.leave(place);
      };
      const timer = setTimeout(() => {
        res.off('close', leave);
        this.waiting.leave(place);
        refuseBusy(res);
      }, this.settings.maxWaitMs);
      // Before its response, a response's 'close' means the client went away.
      res.once('close', leave);
    };
  }

  /** Runs the request; its slot passes on once its response is over (sent, or its client gone). */
  private admit(res: Response, next: NextFunction): void {
    res.once('close', () => this.release());
    next();
  }

  private release(): void {
    const now = performance.now();
    const finishedRecently = this.finished.add(now, now - this.settings.maxWaitMs);
    const oldest = this.waiting.oldest;
    // The slot passes straight to the next waiter, so `running` counts it without a gap.
    if (!oldest) this.running -= 1;
    else {
      const overload = now - oldest.since > this.settings.maxWaitMs / 2 && this.waiting.length > finishedRecently;
      this.waiting.take(overload ? 'newest' : 'oldest')!.value();
    }
  }
}

/** Times within a sliding window: `add` records one, forgets those before `since`, and counts the rest. */
class RecentTimes {
  private times: number[] = [];
  private first = 0;

  add(time: number, since: number): number {
    this.times.push(time);
    while (this.times[this.first] < since) this.first += 1;
    // Compacted now and then, so the array holds about one window of times.
    if (this.first > 1024 && this.first * 2 > this.times.length) {
      this.times = this.times.slice(this.first);
      this.first = 0;
    }
    return this.times.length - this.first;
  }
}
