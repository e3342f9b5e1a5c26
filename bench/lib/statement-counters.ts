import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { JOBS_APPLICATION_NAME } from '../../src/db/job-queue';
import { onCleanup } from './cleanup';

const QUIET_POLL_MS = 150;
const QUIET_TIMEOUT_MS = 5_000;

/**
 * Statements sent by a server: all of them, and those of its background connections (the gateway's
 * job queue, webhook relay and pg-boss maintenance, on connections named `JOBS_APPLICATION_NAME`).
 */
export interface StatementCount {
  total: number;
  background: number;
}

export interface StatementCounters {
  /** The process hosting the proxies: its CPU time is the harness's. */
  pid: number;
  /** Opens a counting proxy in front of PostgreSQL for one server; returns its 127.0.0.1 port. */
  listen(name: string): Promise<number>;
  statements(name: string): Promise<StatementCount>;
  /** The count once the server has stopped sending statements (background work included). */
  settledStatements(name: string): Promise<StatementCount>;
}

/** Forks the process that hosts the proxies (see counter-process.ts). */
export async function startStatementCounters(target: { host: string; port: number }): Promise<StatementCounters> {
  const child = fork(join(__dirname, 'counter-process.ts'), [target.host, String(target.port)], {
    execArgv: ['--require', 'ts-node/register/transpile-only'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  onCleanup('statement counter', () => stopChild(child));
  let nextId = 1;
  const ask = (op: 'listen' | 'count', name: string, background?: string) =>
    new Promise<Record<string, number | string>>((resolve, reject) => {
      const id = nextId++;
      const onMessage = (reply: { id: number; error?: string }) => {
        if (reply.id !== id) return;
        child.off('message', onMessage);
        if (reply.error) reject(new Error(reply.error));
        else resolve(reply as unknown as Record<string, number>);
      };
      child.on('message', onMessage);
      child.send({ id, op, name, background });
    });
  const statements = async (name: string): Promise<StatementCount> => {
    const reply = await ask('count', name, JOBS_APPLICATION_NAME);
    return { total: Number(reply.statements), background: Number(reply.background) };
  };
  return {
    pid: child.pid!,
    listen: async (name) => Number((await ask('listen', name)).port),
    statements,
    settledStatements: async (name) => {
      const deadline = Date.now() + QUIET_TIMEOUT_MS;
      let previous = await statements(name);
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, QUIET_POLL_MS));
        const current = await statements(name);
        if (current.total === previous.total || Date.now() > deadline) return current;
        previous = current;
      }
    },
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
