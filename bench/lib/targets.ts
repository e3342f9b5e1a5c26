import type { Row } from './measure';
import type { BenchOptions } from './options';
import { LOGIN_WORKLOAD, RAW_HASH_LABEL } from './workloads/login';
import { MAIN_FIRST, nestedWorkload } from './workloads/nested-query';
import { REST_GRAPHQL_LABEL, REST_LABEL, REST_WORKLOAD } from './workloads/rest';
import { rssRunWorkload } from './workloads/rss-stability';
import { WRITE_WORKLOAD } from './workloads/write';

export interface TargetCheck {
  target: string;
  measured: string;
  verdict: 'met' | 'missed' | 'not measured';
}

const STATEMENTS_MAX = 6;
/** Background work (an import worker's idle polls) adds a little to the statement deltas. */
const STATEMENTS_TOLERANCE = 0.25;
const STEADY_RSS_MAX_MB = 250;
const RSS_GROWTH_TOLERANCE = 0.05;
const ELD_P99_MAX_MS = 20;

const ratio = (value: number) => `${value.toFixed(2)}×`;
const verdict = (ok: boolean): TargetCheck['verdict'] => (ok ? 'met' : 'missed');

/** Several runs of one server as one: every response they counted over all their windows. */
function pooled(runs: Row[]): Row | undefined {
  if (!runs.length) return undefined;
  const completed = runs.reduce((sum, run) => sum + run.completed, 0);
  const seconds = runs.reduce((sum, run) => sum + (run.requestsPerSecond > 0 ? run.completed / run.requestsPerSecond : 0), 0);
  const errors = runs.reduce((sum, run) => sum + run.errors, 0);
  return { ...runs[0], completed, errors, requestsPerSecond: seconds > 0 ? completed / seconds : 0 };
}

/** The targets of the issue, checked against the rows of this run. */
export function checkTargets(rows: Row[], options: BenchOptions): TargetCheck[] {
  const findAll = (workload: string, server: string, connections: number | null) =>
    rows.filter((row) => row.workload === workload && row.server === server && row.connections === connections);
  const find = (workload: string, server: string, connections: number | null) => findAll(workload, server, connections)[0];
  const perConnections = (
    target: string,
    compare: (connections: number) => { measured: string; ok: boolean } | undefined,
  ): TargetCheck => {
    const results = options.connections.map((connections) => ({ connections, result: compare(connections) }));
    const measured = results.filter(({ result }) => result);
    if (!measured.length) return { target, measured: '—', verdict: 'not measured' };
    return {
      target,
      measured: measured.map(({ connections, result }) => `${connections} conns: ${result!.measured}`).join('; '),
      verdict: verdict(measured.every(({ result }) => result!.ok)),
    };
  };
  const ratioOf = (a: Row | undefined, b: Row | undefined, min: number) => {
    if (!a || !b) return undefined;
    const errors = a.errors + b.errors;
    const measured = `${ratio(a.requestsPerSecond / b.requestsPerSecond)}${errors ? ` (${errors} errors)` : ''}`;
    return { measured, ok: !errors && a.requestsPerSecond >= min * b.requestsPerSecond };
  };

  const checks: TargetCheck[] = [];
  const statements = rows.filter(
    (row) => row.server === 'gateway' && options.firsts.some((first) => row.workload === nestedWorkload(first)),
  );
  const counts = statements.map((row) => row.statementsPerRequest ?? Infinity);
  checks.push(
    statements.length
      ? {
          target: `nested query: SQL statements per request ≤ ${STATEMENTS_MAX} and constant from first=10 to 1,000`,
          measured: statements
            .map(
              (row) =>
                `${row.workload.replace('nested query ', '')}@${row.connections}: ${row.statementsPerRequest?.toFixed(2)}${row.errors ? ' (answered with errors)' : ''}`,
            )
            .join(', '),
          verdict: verdict(
            Math.max(...counts) <= STATEMENTS_MAX && Math.max(...counts) - Math.min(...counts) <= STATEMENTS_TOLERANCE,
          ),
        }
      : { target: 'nested query statements', measured: '—', verdict: 'not measured' },
  );
  const main = nestedWorkload(MAIN_FIRST);
  checks.push(
    perConnections(`nested query first=${MAIN_FIRST}: gateway ≥ 1.0× PostGraphile req/s`, (c) =>
      ratioOf(find(main, 'gateway', c), find(main, 'postgraphile', c), 1),
    ),
    perConnections(`nested query first=${MAIN_FIRST}: gateway p99 ≤ 1.25× PostGraphile's`, (c) => {
      const [gateway, postgraphile] = [find(main, 'gateway', c), find(main, 'postgraphile', c)];
      if (!gateway?.p99Ms || !postgraphile?.p99Ms) return undefined;
      return {
        measured: `${gateway.p99Ms.toFixed(0)} vs ${postgraphile.p99Ms.toFixed(0)} ms (${ratio(gateway.p99Ms / postgraphile.p99Ms)})`,
        ok: gateway.p99Ms <= 1.25 * postgraphile.p99Ms,
      };
    }),
    perConnections('REST /api/v1/users?per_page=100 ≥ 0.9× the same GraphQL query (both runs of each)', (c) =>
      ratioOf(pooled(findAll(REST_WORKLOAD, REST_LABEL, c)), pooled(findAll(REST_WORKLOAD, REST_GRAPHQL_LABEL, c)), 0.9),
    ),
    perConnections('login ≥ 0.9× the raw Argon2id rate', (c) =>
      ratioOf(find(LOGIN_WORKLOAD, 'gateway', c), find(LOGIN_WORKLOAD, RAW_HASH_LABEL, c), 0.9),
    ),
    perConnections(`login: gateway event-loop delay p99 < ${ELD_P99_MAX_MS} ms during the burst`, (c) => {
      const p99 = find(LOGIN_WORKLOAD, 'gateway', c)?.eventLoopP99Ms;
      return p99 == null ? undefined : { measured: `${p99.toFixed(1)} ms`, ok: p99 < ELD_P99_MAX_MS };
    }),
    perConnections('write mutation ≥ 0.5× the single UPDATE … RETURNING', (c) =>
      ratioOf(find(WRITE_WORKLOAD, 'gateway', c), find(WRITE_WORKLOAD, 'limit', c), 0.5),
    ),
  );
  const repeats = Array.from({ length: options.repeat }, (_, index) =>
    find(rssRunWorkload(index + 1, options.repeat), 'gateway', Math.max(...options.connections)),
  );
  const settled = repeats.flatMap((row) => (row?.settledRssMb == null ? [] : [row.settledRssMb]));
  const rightAfter = rows.filter((row) => row.server.startsWith('gateway') && row.rssMb != null).map((row) => row.rssMb!);
  const mb = (values: number[]) => values.map((value) => `${value.toFixed(0)} MB`).join(' → ');
  checks.push(
    settled.length
      ? {
          target: `steady RSS of the gateway < ${STEADY_RSS_MAX_MB} MB (settled after each main-workload run)`,
          measured: `${mb(settled)} (right after any run: max ${Math.max(...rightAfter).toFixed(0)} MB)`,
          verdict: verdict(Math.max(...settled) < STEADY_RSS_MAX_MB),
        }
      : { target: 'steady RSS', measured: '—', verdict: 'not measured' },
  );
  const [first, last] = [settled[0], settled.at(-1)];
  checks.push(
    options.repeat >= 3 && first != null && last != null
      ? {
          target: `no RSS growth across ${options.repeat} runs of the main workload (settled, last ≤ first + ${RSS_GROWTH_TOLERANCE * 100}%)`,
          measured: mb(settled),
          verdict: verdict(last <= first * (1 + RSS_GROWTH_TOLERANCE)),
        }
      : {
          target: 'no RSS growth across three runs',
          measured: 'run with --repeat 3 (the default without --quick)',
          verdict: 'not measured',
        },
  );
  return checks;
}
