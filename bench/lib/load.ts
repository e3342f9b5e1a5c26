import autocannon from 'autocannon';

/** One request to send: fixed, or drawn afresh for every request (`next`). */
export interface RequestPlan {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Varies the body per request; overrides `body`. */
  next?: () => { body: string; expectFailure: boolean };
  /**
   * A cheap check of every response (autocannon buffers each body anyway): true when the server
   * answered what a correct server answers. `expectFailure` marks the requests meant to fail
   * (wrong passwords), which must then fail the right way.
   */
  check: (status: number, body: string, expectFailure: boolean) => boolean;
  /**
   * The status of the answers an overloaded server refuses requests with on purpose (503): counted
   * apart (`refused`), outside throughput and latencies, which then measure the requests served.
   */
  refusedStatus?: number;
}

/** Called when the measured window opens and closes (peak RSS, event-loop delay). */
export interface WindowHooks {
  open(): Promise<void>;
  close(): Promise<void>;
}

export interface LoadResult {
  windowS: number;
  /** Responses received within the measured window. */
  completed: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses failing `check` and socket errors (timeouts included) within the window. */
  errors: number;
  /** Responses with the plan's `refusedStatus` within the window. */
  refused: number;
  firstBadResponse?: string;
}

const REQUEST_TIMEOUT_S = 30;
/** The longest the window waits for every connection's first answer (see runLoad). */
const FIRST_ANSWERS_TIMEOUT_MS = 30_000;
const BAD_SAMPLE_CHARS = 300;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/**
 * One continuous autocannon run on 127.0.0.1 with `connections` keep-alive connections: a
 * warm-up, then the measured window, without a pause between them, so the window sees a server
 * in steady state. Throughput, latencies and errors count only responses within the window.
 *
 * The window opens after the warm-up and once every connection has had its first answer. All
 * connections are opened at the same instant, and a server whose event loop is saturated (the
 * overload runs) accepts new connections only between its batches of socket events: there a few
 * hundred of 2,000 connections wait seconds to be accepted, with their first request already
 * timed by autocannon. That is the start of the run, not the steady state measured.
 */
export async function runLoad(
  baseUrl: string,
  plan: RequestPlan,
  connections: number,
  durations: { warmupS: number; measureS: number },
  hooks: WindowHooks,
): Promise<LoadResult> {
  let measuring = false;
  let bad = 0;
  let socketErrors = 0;
  let refused = 0;
  const latencies: number[] = [];
  let firstBadResponse: string | undefined;
  const request: autocannon.Request = {
    method: plan.method,
    path: plan.path,
    headers: plan.headers,
    body: plan.body,
    onResponse: (status, body, context) => {
      if (plan.check(status, body, Boolean((context as { expectFailure?: boolean }).expectFailure))) return;
      firstBadResponse ??= `${status} ${body.slice(0, BAD_SAMPLE_CHARS)}`;
      if (measuring) bad += 1;
    },
  };
  if (plan.next) {
    const next = plan.next;
    request.setupRequest = (req, context) => {
      const drawn = next();
      (context as { expectFailure?: boolean }).expectFailure = drawn.expectFailure;
      return { ...req, body: drawn.body };
    };
  }

  let instance: autocannon.Instance | undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: baseUrl,
        connections,
        // Stopped by the window's end; the duration is only a safety net.
        duration: durations.warmupS + durations.measureS + 60,
        timeout: REQUEST_TIMEOUT_S,
        requests: [request],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
  const answered = new Set<unknown>();
  instance!.on('response', (client, status: number, _bytes, responseTime: number) => {
    if (answered.size < connections) answered.add(client);
    if (!measuring) return;
    if (status === plan.refusedStatus) refused += 1;
    else latencies.push(responseTime);
  });
  instance!.on('reqError', () => {
    if (measuring) socketErrors += 1;
  });

  await sleep(durations.warmupS * 1000);
  for (const deadline = Date.now() + FIRST_ANSWERS_TIMEOUT_MS; answered.size < connections && Date.now() < deadline;) {
    await sleep(50);
  }
  await hooks.open();
  measuring = true;
  const opened = performance.now();
  await sleep(durations.measureS * 1000);
  measuring = false;
  const windowS = (performance.now() - opened) / 1000;
  await hooks.close();
  instance!.stop();
  await finished;

  latencies.sort((a, b) => a - b);
  return {
    windowS,
    completed: latencies.length,
    requestsPerSecond: latencies.length / windowS,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors: bad + socketErrors,
    refused,
    firstBadResponse,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** GraphQL answers 200 for resolver errors: a correct answer has data and no `errors` member. */
export function graphqlSucceeded(status: number, body: string): boolean {
  return status >= 200 && status < 300 && body.startsWith('{"data"') && !body.includes('"errors":');
}
