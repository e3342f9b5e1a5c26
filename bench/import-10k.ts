import 'reflect-metadata';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { type App, createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { type Database, openDatabase } from '../src/db/database';
import { prepareDatabase } from '../src/db/prepare';
import { Company } from '../src/modules/company/company.entity';
import { createLogger } from '../src/shared/logger';

/**
 * `npm run bench:import`: a 10,000-row CSV (3% bad rows) imported through the real HTTP API by a
 * super admin, timed from the upload to the import's completion. With DATABASE_URL set it runs on
 * a scratch database created on that server (and dropped afterwards), otherwise on the embedded one.
 * IMPORT_BATCH_SIZE is honoured like in the gateway.
 */

const ROWS = 10_000;
const BAD_EVERY = 33;
const ADMIN = { email: 'bench-admin@example.com', password: randomBytes(18).toString('base64url') };

const START = `mutation Start($companyId: ID!, $base64: Base64FileInput) {
  startImport(companyId: $companyId, base64: $base64) { id status } }`;
const STATUS = `query Status($id: ID!) { importFile(id: $id) {
  status totalRows processedRows createdCount failedCount startedAt finishedAt } }`;

function benchCsv(): Buffer {
  const lines = ['email,first_name,last_name,access'];
  for (let row = 1; row <= ROWS; row += 1) {
    lines.push(
      row % BAD_EVERY === 0 ? `not-an-email-${row},Bad,Row,member` : `bench-${row}@example.com,Bench,User ${row},member`,
    );
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

async function scratchDatabase(serverUrl: string | undefined): Promise<{ url?: string; drop(): Promise<void> }> {
  if (!serverUrl) return { drop: async () => undefined };
  const name = `import_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'import-bench-'));
  const serverUrl = process.env.DATABASE_URL || undefined;
  const scratch = await scratchDatabase(serverUrl);
  let database: Database | undefined;
  let app: App | undefined;
  let server: Server | undefined;
  try {
    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      JWT_SECRET: randomBytes(48).toString('base64url'),
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      ...(scratch.url ? { DATABASE_URL: scratch.url } : {}),
      ...(process.env.IMPORT_BATCH_SIZE ? { IMPORT_BATCH_SIZE: process.env.IMPORT_BATCH_SIZE } : {}),
    });
    database = await openDatabase(config);
    await prepareDatabase(database.orm, config, () => undefined);
    const em = database.orm.em.fork();
    const company = em.create(Company, { name: 'Bench Co' });
    await em.flush();
    app = await createApp({ orm: database.orm, config, logger: createLogger('silent') });
    server = app.express.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    const graphql = async (query: string, variables: Record<string, unknown>, token?: string) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: any; errors?: { message: string }[] };
      if (body.errors) throw new Error(`GraphQL error: ${body.errors[0].message}`);
      return body.data;
    };

    const login = await graphql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', {
      e: ADMIN.email,
      p: ADMIN.password,
    });
    const token: string = login.login.token;
    const file = benchCsv();
    const where = database.embedded ? 'embedded PGlite' : 'PostgreSQL server';
    console.log(
      `importing ${ROWS} rows (${(file.length / 1024).toFixed(0)} KiB, batch ${config.imports.batchSize}) on the ${where}`,
    );

    const started = performance.now();
    const { startImport } = await graphql(
      START,
      { companyId: String(company.id), base64: { name: 'bench.csv', type: 'text/csv', data: file.toString('base64') } },
      token,
    );
    let status;
    for (;;) {
      ({ importFile: status } = await graphql(STATUS, { id: startImport.id }, token));
      if (status.status === 'COMPLETED' || status.status === 'FAILED') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    const workerSeconds = (Date.parse(status.finishedAt) - Date.parse(status.startedAt)) / 1000;
    console.log(
      `${status.status}: ${status.createdCount} created, ${status.failedCount} failed of ${status.totalRows} rows\n` +
        `total ${seconds.toFixed(2)} s (upload to completion): ${(ROWS / seconds).toFixed(0)} rows/s\n` +
        `worker ${workerSeconds.toFixed(2)} s (startedAt to finishedAt): ${(ROWS / workerSeconds).toFixed(0)} rows/s`,
    );
    if (status.status !== 'COMPLETED') process.exitCode = 1;
  } finally {
    server?.closeAllConnections();
    server?.close();
    await app?.stop();
    await database?.close();
    await scratch.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
