/** Bounded concurrent loops of writes and reads against a gateway on loopback, with every outcome kept. */

export interface LoadTarget {
  url: string;
  token: string;
  companyId: number;
  accessId: number;
  /** Unique to the run; part of every email written, so the run's rows can be found. */
  tag: string;
}

export type OutcomeKind = 'ok' | 'unavailable' | 'refused' | 'reset' | 'unexpected';

export interface Outcome {
  kind: OutcomeKind;
  write: boolean;
  sentAt: number;
  doneAt: number;
  detail?: string;
}

export interface Acknowledged {
  id: number;
  email: string;
  at: number;
}

export interface LoadReport {
  outcomes: Outcome[];
  /** Writes answered 2xx, with the id the gateway returned. */
  acknowledged: Acknowledged[];
  /** Writes whose outcome the client cannot know (the connection broke while waiting). */
  unknownEmails: string[];
}

export interface LoadOptions {
  clients: number;
  /** Ends each loop before its next request. */
  stop: () => boolean;
  /** Ends a client's loop at its first refused connection (the gateway is gone). */
  endOnRefused?: boolean;
}

const REQUEST_TIMEOUT_MS = 15_000;
/** Loops end by this time whatever `stop` says, so a failed scenario cannot leave them running. */
const MAX_LOAD_MS = 45_000;
const PAUSE_AFTER_FAILURE_MS = 50;
/** What a leaked database error would carry; none of it may reach a client. */
export const LEAK = /\b(select|insert|update|delete)\b.*\b(from|into|set)\b|knex|pg_|postgres|ECONN|stack|\.ts:\d+/i;

export async function runLoad(target: LoadTarget, options: LoadOptions): Promise<LoadReport> {
  const report: LoadReport = { outcomes: [], acknowledged: [], unknownEmails: [] };
  const deadline = Date.now() + MAX_LOAD_MS;
  const bounded = { ...options, stop: () => options.stop() || Date.now() > deadline };
  await Promise.all(Array.from({ length: options.clients }, (_, client) => clientLoop(target, bounded, client, report)));
  return report;
}

async function clientLoop(target: LoadTarget, options: LoadOptions, client: number, report: LoadReport): Promise<void> {
  let lastId: number | undefined;
  for (let n = 0; !options.stop(); n += 1) {
    const email = `${target.tag}.c${client}.n${n}@example.com`;
    const graphql = n % 2 === 1;
    const write = graphql ? await createWithGraphql(target, email) : await createWithRest(target, email);
    report.outcomes.push(write.outcome);
    if (write.id !== undefined) {
      report.acknowledged.push({ id: write.id, email, at: write.outcome.doneAt });
      lastId = write.id;
    }
    if (write.outcome.kind === 'reset') report.unknownEmails.push(email);
    if (options.endOnRefused && write.outcome.kind === 'refused') return;
    if (options.stop()) return;

    const read =
      lastId === undefined
        ? await call(target, 'GET', '/api/v1/users?per_page=5', undefined, false)
        : graphql
          ? await call(
              target,
              'POST',
              '/graphql',
              { query: 'query($id: ID!) { user(id: $id) { id email } }', variables: { id: String(lastId) } },
              false,
            )
          : await call(target, 'GET', `/api/v1/users/${lastId}`, undefined, false);
    report.outcomes.push(read.outcome);
    if (options.endOnRefused && read.outcome.kind === 'refused') return;
    if (write.outcome.kind !== 'ok' || read.outcome.kind !== 'ok') await sleep(PAUSE_AFTER_FAILURE_MS);
  }
}

async function createWithRest(target: LoadTarget, email: string) {
  const body = { first_name: 'Load', last_name: 'Client', email, company_id: target.companyId, access_id: target.accessId };
  const { outcome, body: answer } = await call(target, 'POST', '/api/v1/users', body, true);
  return { outcome, id: outcome.kind === 'ok' ? Number(answer.user.id) : undefined };
}

async function createWithGraphql(target: LoadTarget, email: string) {
  const query = 'mutation($input: CreateUserInput!) { createUser(input: $input) { id email } }';
  const input = {
    firstName: 'Load',
    lastName: 'Client',
    email,
    companyId: String(target.companyId),
    accessId: String(target.accessId),
  };
  const { outcome, body } = await call(target, 'POST', '/graphql', { query, variables: { input } }, true);
  return { outcome, id: outcome.kind === 'ok' ? Number(body.data.createUser.id) : undefined };
}

async function call(target: LoadTarget, method: string, path: string, payload: unknown, write: boolean) {
  const sentAt = Date.now();
  const done = (kind: OutcomeKind, detail?: string): Outcome => ({ kind, write, sentAt, doneAt: Date.now(), detail });
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${target.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${target.token}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
      body: payload ? JSON.stringify(payload) : undefined,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    return { outcome: networkOutcome(error, done), body: undefined };
  }
  const body = parse(text);
  const graphqlErrors: any[] | undefined = path === '/graphql' ? body?.errors : undefined;
  if (response.status < 300 && !graphqlErrors?.length) return { outcome: done('ok'), body };
  if (response.status === 503 && isCleanUnavailable(response, text, body, graphqlErrors)) {
    return { outcome: done('unavailable'), body };
  }
  return { outcome: done('unexpected', `${method} ${path} → ${response.status} ${text.slice(0, 300)}`), body };
}

/** 503, a numeric Retry-After, the contract's code on either transport, and nothing internal. */
function isCleanUnavailable(response: Response, text: string, body: any, graphqlErrors: any[] | undefined): boolean {
  const retryAfter = Number(response.headers.get('retry-after'));
  const code = graphqlErrors ? graphqlErrors[0]?.extensions?.code : body?.error?.code;
  return retryAfter > 0 && code === 'SERVICE_UNAVAILABLE' && !LEAK.test(text);
}

function networkOutcome(error: unknown, done: (kind: OutcomeKind, detail?: string) => Outcome): Outcome {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { name?: string }).name;
  if (code === 'ECONNREFUSED') return done('refused');
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED' || code === 'EPIPE') {
    return done('reset', code);
  }
  return done('unexpected', `network: ${code} ${cause?.message ?? String(error)}`);
}

function parse(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function count(outcomes: Outcome[], kind: OutcomeKind): number {
  return outcomes.filter((outcome) => outcome.kind === kind).length;
}
