import 'reflect-metadata';
import type { Server } from 'node:http';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { openDatabase } from './db/database';
import { prepareDatabase } from './db/prepare-database';
import { createLogger } from './shared/logger';
import { exitOnTerminationSignals } from './shutdown';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  // Node's default ends the process on a rejection nobody handles, and with it every request in
  // flight: such a rejection is a bug to find in the log, not a reason to stop serving.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  const database = await openDatabase(config, logger);
  await prepareDatabase(database.orm, config, (message) => process.stdout.write(`${message}\n`));
  const app = await createApp({ database, config, logger });
  const server: Server = app.express.listen(config.port, () => {
    logger.info(
      { port: config.port, database: database.embedded ? 'embedded' : 'server', env: config.env },
      `gateway ready on http://localhost:${config.port}/graphql`,
    );
  });
  app.attach(server);
  exitOnTerminationSignals({ server, app, database, logger, graceMs: config.shutdownGraceMs });
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`gateway failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  }
  process.exit(1);
});
