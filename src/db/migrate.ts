import 'reflect-metadata';
import { loadConfig } from '../config';
import { openDatabase } from './database';
import { prepareDatabase } from './prepare-database';

/** `npm run migrate`: what a start does to the database (migrations, reference data), then exit. */
async function migrateOnly(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    await prepareDatabase(database.orm, config, (message) => process.stdout.write(`${message}\n`));
    process.stdout.write('database is up to date\n');
  } finally {
    await database.close();
  }
}

migrateOnly().catch((error) => {
  process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
