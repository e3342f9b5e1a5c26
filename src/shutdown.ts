import type { Server } from 'node:http';
import type { App } from './app';
import type { Database } from './db/database';
import type { Logger } from './shared/logger';
import type { Tracing } from './shared/tracing/tracing';
import { withTimeout } from './shared/with-timeout';

/**
 * After the requests are done (or cut), how long stopping the job workers, draining background
 * tasks and closing the pool may take before the process gives up and exits 1.
 */
const CLOSE_DEADLINE_MS = 15_000;
const IDLE_SWEEP_MS = 50;

export interface ShutdownTargets {
  server: Server;
  app: App;
  database: Database;
  logger: Logger;
  /** SHUTDOWN_GRACE_MS: how long the requests in flight get to finish. */
  graceMs: number;
  /** When on, its buffered spans are exported last, so the trace of a request answered during the shutdown is not lost. */
  tracing?: Tracing;
  /** The metrics port's server (METRICS_PORT): it answers scrapes until everything else has stopped. */
  metricsServer?: Server;
}

/**
 * The orderly stop. Every write is one transaction committed before its response is sent, so a
 * write a client saw acknowledged is durable, and a request cut short rolls back whole.
 *
 * 1. `/readyz` answers 503 at once; the job workers stop fetching and their attempts in flight end
 *    at their next safe point, an import after its batch in flight commits (concurrently with the
 *    next steps); live subscriptions end (WebSocket closes 1001, SSE
 *    streams complete) and new ones are refused.
 * 2. The listening socket closes: new connections are refused. Idle keep-alive connections close,
 *    also those that turn idle later; a request still arriving on an open connection is answered
 *    with `Connection: close`.
 * 3. The requests in flight finish, for at most `graceMs`; connections still open then are cut.
 * 4. Apollo stops, background tasks (reset mails) drain, the pool and the embedded database close,
 *    then the metrics port's server.
 * 5. With tracing on, the spans still buffered are exported.
 */
export async function shutDown({
  server,
  app,
  database,
  logger,
  graceMs,
  tracing,
  metricsServer,
}: ShutdownTargets): Promise<void> {
  app.readiness.stopAccepting();
  const jobsStopped = app.stopJobs();
  // Live subscriptions never finish on their own: they end now (WebSocket 1001, SSE streams complete).
  await app.closeSubscriptions();
  // Runs before express sees the request, while its headers can still be set.
  server.prependListener('request', (_req, res) => res.setHeader('Connection', 'close'));
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // A connection whose request was in flight turns idle once answered, and would otherwise stay
  // open until the client's keep-alive timeout.
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  try {
    if (!(await settlesWithin(closed, graceMs))) {
      logger.warn({ graceMs }, 'requests still running after the shutdown grace period; closing their connections');
      server.closeAllConnections();
      await closed;
    }
  } finally {
    clearInterval(sweep);
  }
  await jobsStopped;
  await app.stop();
  await database.close();
  if (metricsServer) {
    const closed = new Promise((resolve) => metricsServer.close(resolve));
    // A scraper's keep-alive connection would hold the server open until its timeout.
    metricsServer.closeAllConnections();
    await closed;
  }
  await tracing?.shutdown();
}

/** SIGTERM and SIGINT run `shutDown` once, then exit 0; a failed or stuck shutdown exits 1. */
export function exitOnTerminationSignals(targets: ShutdownTargets): void {
  const { logger } = targets;
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, targets.graceMs + CLOSE_DEADLINE_MS).unref();
    shutDown(targets).then(
      () => {
        logger.info('shut down cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return withTimeout(
    promise.then(() => true),
    ms,
    false,
  );
}
