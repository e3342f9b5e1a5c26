import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from './cleanup';
import { ROOT } from './paths';
import { type ServerProcess, type ServerSpec, startServerProcess } from './server-process';

const GATEWAY_READY_TIMEOUT_MS = 180_000;
const OTHER_READY_TIMEOUT_MS = 60_000;

/**
 * Only what a server needs from the harness's environment, so a developer's settings do not leak
 * in; IMPORT_BATCH_SIZE is passed on to compare batch sizes of the import.
 */
function baseEnv(): NodeJS.ProcessEnv {
  const { PATH, HOME, LANG, UV_THREADPOOL_SIZE, IMPORT_BATCH_SIZE } = process.env;
  const env = { PATH, HOME, LANG, UV_THREADPOOL_SIZE, IMPORT_BATCH_SIZE };
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** `npm run build`: the gateway is measured as it ships, compiled. */
export async function buildGateway(): Promise<void> {
  const child = spawn('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const stopEarly = onCleanup('npm run build', () => {
    child.kill('SIGTERM');
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  await stopEarly();
  if (status !== 0) {
    throw new Error(
      `npm run build failed (status ${status}); fix the build or pass --skip-build to use dist/ as it is:\n${output.slice(-4000)}`,
    );
  }
}

/** As `npm start` and the Dockerfile run the gateway: a young generation that fits a request burst's garbage. */
const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=32'];

/**
 * The gateway in production mode from dist/ (it migrates and seeds the reference data on start),
 * with a fresh 48-byte JWT secret and its own temporary DATA_DIR; `nodeFlags` go before the script,
 * `env` over the defaults, `root` the checkout it runs from.
 */
export async function startGateway(
  databaseUrl: string,
  {
    nodeFlags = [],
    env = {},
    root = ROOT,
  }: {
    nodeFlags?: string[];
    env?: Record<string, string>;
    /** Another checkout's compiled code (a baseline). */ root?: string;
  } = {},
): Promise<ServerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'leadsy-bench-'));
  onCleanup('gateway data directory', () => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  return startServerProcess({
    name: 'gateway',
    nodeArgs: [...GATEWAY_NODE_FLAGS, ...nodeFlags, 'dist/src/main.js'],
    env: {
      ...baseEnv(),
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      JWT_SECRET: randomBytes(48).toString('base64url'),
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      // The login burst comes from one address at a rate no real client reaches: measure hashing,
      // not the rate limiter (which test/security/rate-limits.spec.ts covers).
      RATE_LIMIT_PER_ACCOUNT: '100000',
      RATE_LIMIT_PER_ADDRESS: '1000000',
      // Several gateways run at once (bench:features): none takes the default metrics port.
      METRICS_PORT: 'off',
      ...env,
    },
    port,
    ready: { path: '/readyz' },
    readyTimeoutMs: GATEWAY_READY_TIMEOUT_MS,
    cwd: root,
  });
}

const GRAPHQL_READY = { path: '/graphql', method: 'POST', body: '{"query":"{ __typename }"}' } as const;

/** One of the benchmark's own servers (bench/*.mjs) in production mode on a free port, `env` over the defaults. */
async function startBenchServer(
  name: string,
  script: string,
  env: Record<string, string>,
  ready: ServerSpec['ready'],
): Promise<ServerProcess> {
  const port = await freePort();
  return startServerProcess({
    name,
    nodeArgs: [script],
    env: { ...baseEnv(), NODE_ENV: 'production', PORT: String(port), ...env },
    port,
    ready,
    readyTimeoutMs: OTHER_READY_TIMEOUT_MS,
    cwd: ROOT,
  });
}

export function startPostGraphile(databaseUrl: string): Promise<ServerProcess> {
  const env = { GRAPHILE_ENV: 'production', DATABASE_URL: databaseUrl };
  return startBenchServer('postgraphile', 'bench/postgraphile-server.mjs', env, GRAPHQL_READY);
}

export function startLimitServer(databaseUrl: string): Promise<ServerProcess> {
  return startBenchServer('limit', 'bench/limit-server.mjs', { DATABASE_URL: databaseUrl }, { path: '/healthz' });
}

/** bench/router-server.mjs: an @apollo/gateway router whose one subgraph is the gateway at `subgraphUrl`. */
export function startRouter(subgraphUrl: string): Promise<ServerProcess> {
  return startBenchServer('router', 'bench/router-server.mjs', { SUBGRAPH_URL: subgraphUrl }, GRAPHQL_READY);
}
