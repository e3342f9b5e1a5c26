import { startStatementCounter, type StatementCounter } from '../pg-statement-counter';

/**
 * The statement-counting proxies run in this child process (forked by statement-counters.ts), so
 * forwarding PostgreSQL traffic never competes with autocannon for the harness's event loop.
 * Protocol over IPC: {id, op: 'listen', name} → {id, port}; {id, op: 'count', name, background} →
 * {id, statements, background}: all the statements, and those of the connections whose
 * application_name is `background`.
 */

interface Request {
  id: number;
  op: 'listen' | 'count';
  name: string;
  background?: string;
}

const [host, port] = [process.argv[2], Number(process.argv[3])];
const counters = new Map<string, StatementCounter>();

process.on('message', (request: Request) => {
  void answer(request).then(
    (reply) => process.send!({ id: request.id, ...reply }),
    (error: unknown) => process.send!({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
// The harness gone (finished, crashed or killed): nothing left to proxy for.
process.on('disconnect', () => process.exit(0));

async function answer(request: Request): Promise<Record<string, number>> {
  if (request.op === 'listen') {
    const counter = await startStatementCounter({ host, port });
    counters.set(request.name, counter);
    return { port: counter.port };
  }
  const counter = counters.get(request.name);
  if (!counter) throw new Error(`no statement counter named ${request.name}`);
  if (counter.encryptedConnections()) throw new Error(`${request.name} uses TLS to PostgreSQL: statements cannot be counted`);
  return { statements: counter.statements(), background: request.background ? counter.statementsOf(request.background) : 0 };
}
