import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { pollUntil } from './wait';

/** Debian's package (`apt-get install pgbouncer`); .ci/run installs it. */
export const PGBOUNCER_BINARY = '/usr/sbin/pgbouncer';
export const pgbouncerInstalled = existsSync(PGBOUNCER_BINARY);

export interface PgBouncer {
  /** The database through the pooler, as DATABASE_URL. */
  url: string;
  /** Runs a command of the admin console (`SHOW STATS`, …), which speaks only the simple protocol. */
  admin<T = Record<string, string>>(command: string): Promise<T[]>;
  /** Stops the pooler at once (its clients are cut) and removes its directory. */
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** Server connections for the database: small, so that transactions of many clients share them. */
  poolSize?: number;
}

/**
 * A private PgBouncer in transaction mode in front of the database `databaseUrl` names, on a free
 * loopback port, with trust authentication and the URL's user as its admin. PgBouncer refuses to
 * run as root: then it runs as `postgres` (its `-u`), in a directory that user owns.
 */
export async function startPgBouncer(databaseUrl: string, { poolSize = 3 }: PgBouncerOptions = {}): Promise<PgBouncer> {
  const server = new URL(databaseUrl);
  const user = decodeURIComponent(server.username) || 'postgres';
  const database = server.pathname.slice(1);
  const dir = mkdtempSync(join(tmpdir(), 'pgbouncer-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, idOf('-u'), idOf('-g'));
  const port = await freePort();
  const target = [`host=${server.hostname || '127.0.0.1'}`, `port=${server.port || '5432'}`, `dbname=${database}`];
  if (server.password) target.push(`password=${decodeURIComponent(server.password)}`);
  writeFileSync(join(dir, 'users.txt'), `"${user}" ""\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${database} = ${target.join(' ')}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      `admin_users = ${user}`,
      'pool_mode = transaction',
      `default_pool_size = ${poolSize}`,
      'max_client_conn = 200',
      // A client waiting longer for a server connection fails instead of hanging the test.
      'query_wait_timeout = 15',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  const pooler = spawn(PGBOUNCER_BINARY, [...(asRoot ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')], {
    stdio: 'ignore',
  });
  const exited = once(pooler, 'exit');
  const stop = async () => {
    await stopProcess(pooler, exited);
    rmSync(dir, { recursive: true, force: true });
  };
  const admin = async <T>(command: string): Promise<T[]> => {
    const client = new Client({ connectionString: `postgresql://${encodeURIComponent(user)}@127.0.0.1:${port}/pgbouncer` });
    await client.connect();
    try {
      return (await client.query(command)).rows as T[];
    } finally {
      await client.end();
    }
  };
  try {
    await pollUntil(
      async () => {
        if (pooler.exitCode !== null) throw new Error(`pgbouncer exited: ${logOf(dir)}`);
        return admin('SHOW VERSION').then(
          () => true,
          () => false,
        );
      },
      'pgbouncer to accept connections',
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const url = new URL(databaseUrl);
  url.host = `127.0.0.1:${port}`;
  url.password = '';
  return { url: url.toString(), admin, stop };
}

function idOf(flag: '-u' | '-g'): number {
  return Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
}

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function logOf(dir: string): string {
  const file = join(dir, 'pgbouncer.log');
  return existsSync(file) ? readFileSync(file, 'utf8').slice(-2000) : '(no log)';
}

/** SIGTERM is PgBouncer's immediate shutdown; SIGKILL if it is still there after 5 s. */
async function stopProcess(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(killer);
}
