// Starts the gateway exactly as a newcomer would (`npm start`, no DATABASE_URL), logs in as the
// bootstrap admin and runs the benchmark query (README, `npm run bench`), then scrapes the metrics
// port and checks the text with `promtool check metrics`. Exits non-zero on failure.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const freePort = () =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
const port = await freePort();
const metricsPort = await freePort();
const dataDir = mkdtempSync(join(tmpdir(), 'gateway-smoke-'));
const env = {
  ...process.env,
  PORT: String(port),
  METRICS_PORT: String(metricsPort),
  DATA_DIR: dataDir,
  NODE_ENV: 'development',
  LOG_LEVEL: 'warn',
};
delete env.DATABASE_URL;
const gateway = spawn('npm', ['start'], { env, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
let output = '';
gateway.stdout.on('data', (chunk) => {
  output += chunk;
});

const base = `http://127.0.0.1:${port}`;
const stop = () => {
  try {
    process.kill(-gateway.pid, 'SIGTERM');
  } catch {
    // already gone
  }
};
const fail = (message) => {
  console.error(`smoke test failed: ${message}\n--- gateway output ---\n${output}`);
  stop();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(1);
};

const deadline = Date.now() + 120_000;
for (;;) {
  if (Date.now() > deadline) fail('the gateway did not become ready within 120 s');
  const ready = await fetch(`${base}/readyz`).catch(() => undefined);
  if (ready?.ok) break;
  await new Promise((resolve) => setTimeout(resolve, 500));
}

const password = /password:\s+(\S+)/.exec(output)?.[1];
if (!password) fail('the first start did not print the bootstrap admin password');

const graphql = async (query, variables, token) => {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
};

const login = await graphql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', {
  e: 'admin@example.com',
  p: password,
});
const token = login.data?.login?.token;
if (!token) fail(`login failed: ${JSON.stringify(login)}`);

const bench = await graphql(
  `
    query Bench($first: Int!) {
      users(first: $first) {
        totalCount
        edges {
          node {
            id
            fullName
            email
            status
            avatarUrl
            primaryCompany {
              id
              name
              parentCompany {
                id
                name
              }
            }
            accesses {
              id
              primary
              access {
                id
                name
              }
              company {
                id
                name
              }
            }
          }
        }
      }
    }
  `,
  { first: 10 },
  token,
);
const admin = bench.data?.users?.edges?.[0]?.node;
if (bench.errors || admin?.email !== 'admin@example.com' || admin.accesses[0].access.name !== 'Super Admin') {
  fail(`unexpected benchmark query result: ${JSON.stringify(bench)}`);
}

// The metrics are on their own port (loopback), not on the public one, and promtool finds no problem in them.
if ((await fetch(`${base}/metrics`)).status !== 404) fail('/metrics answers on the public port');
const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).catch((error) => error);
if (!(scraped instanceof Response) || scraped.status !== 200)
  fail(`scraping the metrics port failed: ${scraped.status ?? scraped}`);
const metrics = await scraped.text();
if (!metrics.includes('leadsy_graphql_operations_total{operation="Bench",type="query",outcome="success"} 1')) {
  fail(`the metrics do not count the benchmark query:\n${metrics}`);
}
const promtool = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
if (promtool.error || promtool.status !== 0 || promtool.stdout || promtool.stderr) {
  fail(`promtool check metrics: ${promtool.error ?? ''}${promtool.stdout}${promtool.stderr} (exit ${promtool.status})`);
}
console.log(`smoke test passed: embedded database, login, nested query on port ${port}, metrics on port ${metricsPort}`);
stop();
await new Promise((resolve) => setTimeout(resolve, 1000));
rmSync(dataDir, { recursive: true, force: true });
