import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { freePort } from './private-postgres';

const ROOT = join(__dirname, '..', '..');
const START_TIMEOUT_MS = 90_000;

export interface GatewayExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/**
 * The gateway as production runs it: its own process, started by `src/main.ts`, with its own
 * signal handling. ts-node transpiles the sources on load with SWC (tsconfig.json's `ts-node`
 * section), about as fast as starting the build, without a `tsc` run that could meet another
 * change's type errors.
 */
export class GatewayProcess {
  private logs = '';
  readonly exited: Promise<GatewayExit>;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.stdout!.on('data', (chunk) => (this.logs += chunk));
    child.stderr!.on('data', (chunk) => (this.logs += chunk));
    this.exited = once(child, 'exit').then(([code, signal]) => ({ code, signal, at: Date.now() }));
  }

  static async start(env: Record<string, string>): Promise<GatewayProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, ['-r', 'ts-node/register', 'src/main.ts'], {
      cwd: ROOT,
      // Nothing of the test runner's environment (TEST_DATABASE_URL, DATABASE_URL…) leaks in.
      // No metrics port: gateways of parallel test files would all ask for the default one.
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        METRICS_PORT: 'off',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const gateway = new GatewayProcess(child, `http://127.0.0.1:${port}`);
    try {
      await gateway.waitUntilReady();
      return gateway;
    } catch (error) {
      gateway.kill();
      throw error;
    }
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.logs;
  }

  signal(name: NodeJS.Signals): void {
    this.child.kill(name);
  }

  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`the gateway exited during start-up:\n${this.logs}`);
      try {
        const response = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the gateway was not ready within ${START_TIMEOUT_MS} ms:\n${this.logs}`);
  }
}
