import 'reflect-metadata';
import type { Server } from 'node:http';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './shared/logger';
import { startTracing } from './shared/tracing/tracing';

async function main(): Promise<void> {
  const config = loadConfig();
  // Before the rest of the gateway loads: the instrumentations patch http, express and pg as they
  // are required. Off, no OpenTelemetry module is loaded at all.
  const tracing = config.tracing ? await startTracing() : undefined;
  const logger = createLogger(config.logLevel, undefined, tracing && (() => tracing.logFields()));
  tracing?.reportProblemsTo(logger);
  const { openDatabase } = await import('./db/database');
  const { prepareDatabase } = await import('./db/prepare-database');
  const { createApp } = await import('./app');
  const { exitOnTerminationSignals } = await import('./shutdown');
  const { listenForMetrics } = await import('./shared/metrics/metrics-endpoint');
  // Node's default ends the process on a rejection nobody handles, and with it every request in
  // flight: such a rejection is a bug to find in the log, not a reason to stop serving.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  const database = await openDatabase(config, logger);
  await prepareDatabase(database.orm, config, (message) => process.stdout.write(`${message}\n`));
  const app = await createApp({ database, config, logger, tracing });
  // Node's default accept queue (511) overflows when thousands of clients connect at once, and a
  // connection dropped there is retried by its client's kernel after 1, 3, 7 s: a wait no admission
  // gate can bound. The kernel caps it at net.core.somaxconn.
  const server: Server = app.express.listen({ port: config.port, backlog: 4096 }, () => {
    logger.info(
      { port: config.port, database: database.embedded ? 'embedded' : 'server', env: config.env },
      `gateway ready on http://localhost:${config.port}/graphql`,
    );
  });
  app.attach(server);
  // A port of its own, loopback by default; when METRICS_PORT equals PORT, createApp mounted /metrics instead.
  const { port: metricsPort, host: metricsHost } = config.metrics;
  const metricsServer =
    metricsPort === 'off' || metricsPort === config.port
      ? undefined
      : await listenForMetrics(app.metrics, metricsHost, metricsPort);
  if (metricsServer) logger.info({ host: metricsHost, port: metricsPort }, 'metrics on /metrics');
  exitOnTerminationSignals({ server, app, database, logger, graceMs: config.shutdownGraceMs, tracing, metricsServer });
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`gateway failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  }
  process.exit(1);
});
