import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { onCleanup } from './cleanup';

const PROBE = join(__dirname, 'server-probe.mjs');
const OUTPUT_TAIL_CHARS = 8_000;
const READY_POLL_MS = 200;
// Longer than the gateway's own shutdown grace (10 s): a graceful stop is never cut short.
const KILL_AFTER_MS = 15_000;

export interface EventLoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface ServerProcess {
  name: string;
  pid: number;
  port: number;
  baseUrl: string;
  /** The last lines the process wrote, for error messages. */
  outputTail(): string;
  resetEventLoopDelay(): Promise<void>;
  readEventLoopDelay(): Promise<EventLoopDelay>;
  startCpuProfile(): Promise<void>;
  /** Stops the profile started last and writes it (.cpuprofile JSON) to `path`. */
  stopCpuProfile(path: string): Promise<void>;
  stop(): Promise<void>;
}

export interface ServerSpec {
  name: string;
  /** Arguments to `node` after the event-loop probe (a script and its flags). */
  nodeArgs: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  /** An HTTP check that answers 2xx once the server is ready. */
  ready: { path: string; method?: 'GET' | 'POST'; body?: string };
  readyTimeoutMs: number;
  cwd: string;
}

/** Starts a Node server with bench/lib/server-probe.mjs preloaded and waits until it answers. */
export async function startServerProcess(spec: ServerSpec): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', PROBE, ...spec.nodeArgs], {
    cwd: spec.cwd,
    env: spec.env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = onCleanup(`${spec.name} (pid ${child.pid})`, () => stopChild(child, exited));
  const baseUrl = `http://127.0.0.1:${spec.port}`;
  const server: ServerProcess = {
    name: spec.name,
    pid: child.pid!,
    port: spec.port,
    baseUrl,
    outputTail: () => output,
    resetEventLoopDelay: async () => {
      await askProbe(child, { probe: 'reset' });
    },
    readEventLoopDelay: async () => (await askProbe(child, { probe: 'read' })) as unknown as EventLoopDelay,
    startCpuProfile: async () => {
      await askProbe(child, { probe: 'profile-start' });
    },
    stopCpuProfile: async (path) => {
      await askProbe(child, { probe: 'profile-stop', path });
    },
    stop,
  };
  try {
    await waitUntilReady(server, spec, exited);
  } catch (error) {
    await stop();
    throw error;
  }
  return server;
}

async function waitUntilReady(server: ServerProcess, spec: ServerSpec, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + spec.readyTimeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`${spec.name} exited during start:\n${server.outputTail()}`);
    try {
      const response = await fetch(`${server.baseUrl}${spec.ready.path}`, {
        method: spec.ready.method ?? 'GET',
        headers: { 'content-type': 'application/json' },
        body: spec.ready.body,
      });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  throw new Error(`${spec.name} was not ready within ${spec.readyTimeoutMs} ms:\n${server.outputTail()}`);
}

/** One request to bench/lib/server-probe.mjs in the server; the answer carries the same `probe`. */
function askProbe(child: ChildProcess, request: { probe: string; path?: string }): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { probe?: string; error?: string } & Record<string, number>) => {
      if (message?.probe !== request.probe) return;
      child.off('message', onMessage);
      if (message.error) reject(new Error(`${request.probe} in the server failed: ${message.error}`));
      else resolve(message);
    };
    child.on('message', onMessage);
    child.send(request, (error) => {
      if (error) {
        child.off('message', onMessage);
        reject(error);
      }
    });
  });
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
  await exited;
  clearTimeout(killer);
}
