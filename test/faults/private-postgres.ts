import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

/** The installed server binaries (Debian's layout), newest major version first. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions.map((version) => join(root, version, 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/**
 * A PostgreSQL server of the test's own, in a temporary directory on a free loopback port, that the
 * test stops and starts at will. PostgreSQL refuses to run as root: as root, the directory belongs to
 * the `postgres` user and the binaries run through `runuser`.
 */
export class PrivatePostgres {
  readonly url: string;
  private readonly dataDir: string;
  private running = false;

  private constructor(
    private readonly bin: string,
    private readonly root: string,
    readonly port: number,
  ) {
    this.dataDir = join(root, 'data');
    this.url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  }

  static async create(bin: string): Promise<PrivatePostgres> {
    const root = mkdtempSync(join(tmpdir(), 'faults-pg-'));
    const server = new PrivatePostgres(bin, root, await freePort());
    try {
      const owner = process.getuid?.() === 0 ? await postgresIds() : undefined;
      if (owner) chownSync(root, ...owner);
      mkdirSync(server.dataDir, { mode: 0o700 });
      if (owner) chownSync(server.dataDir, ...owner);
      await server.tool('initdb', ['-D', server.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
      await server.start();
      return server;
    } catch (error) {
      await server.destroy();
      throw error;
    }
  }

  /**
   * A streaming replica of `primary`: a base backup with `-R` (it follows the primary's WAL over a
   * replication connection, which initdb's trust pg_hba allows), started on a free port.
   */
  static async replicaOf(primary: PrivatePostgres): Promise<PrivatePostgres> {
    const root = mkdtempSync(join(tmpdir(), 'faults-pg-replica-'));
    const server = new PrivatePostgres(primary.bin, root, await freePort());
    try {
      const owner = process.getuid?.() === 0 ? await postgresIds() : undefined;
      if (owner) chownSync(root, ...owner);
      await server.tool('pg_basebackup', [
        ...['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', server.dataDir],
        ...['-R', '--checkpoint=fast', '--no-sync'],
      ]);
      await server.start();
      return server;
    } catch (error) {
      await server.destroy();
      throw error;
    }
  }

  async start(): Promise<void> {
    const options = [
      `-k ${this.root}`,
      `-p ${this.port}`,
      '-c listen_addresses=127.0.0.1',
      // Speed only: the machine does not crash during a test, and a stop is not a crash of the OS.
      '-c fsync=off',
      '-c full_page_writes=off',
    ].join(' ');
    await this.tool('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      join(this.root, 'server.log'),
      '-w',
      '-t',
      '30',
      '-o',
      options,
      'start',
    ]);
    this.running = true;
  }

  /** `immediate`: every backend is killed at once, like a crash of the server. */
  async stop(mode: 'fast' | 'immediate' = 'immediate'): Promise<void> {
    await this.tool('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '30', 'stop']);
    this.running = false;
  }

  get isRunning(): boolean {
    return this.running;
  }

  async query<T = any>(sql: string, values: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: this.url });
    await client.connect();
    try {
      return (await client.query(sql, values)).rows as T[];
    } finally {
      await client.end();
    }
  }

  log(): string {
    const file = join(this.root, 'server.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  async destroy(): Promise<void> {
    if (this.running) await this.stop().catch(() => undefined);
    rmSync(this.root, { recursive: true, force: true });
  }

  private async tool(name: string, args: string[]): Promise<void> {
    const command = join(this.bin, name);
    if (process.getuid?.() === 0) await run('runuser', ['-u', 'postgres', '--', command, ...args]);
    else await run(command, args);
  }
}

async function postgresIds(): Promise<[number, number]> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return [Number(uid.trim()), Number(gid.trim())];
}
