import type { Row } from './measure';
import type { BenchOptions } from './options';
import { LOGIN_WORKLOAD, RAW_HASH_LABEL } from './workloads/login';
import { MAIN_FIRST, nestedWorkload, SMALL_PAGE } from './workloads/nested-query';
import { OVERLOAD_CONNECTIONS, OVERLOAD_WORKLOAD } from './workloads/overload';
import { REST_GRAPHQL_LABEL, REST_LABEL, REST_WORKLOAD } from './workloads/rest';
import { rssRunWorkload } from './workloads/rss-stability';
import { WRITE_WORKLOAD } from './workloads/write';

export interface TargetCheck {
  target: string;
  measured: string;
  verdict: 'met' | 'missed' | 'not measured';
}

/** The columns of the rows a target reads, with how the report shows them. */
const FIGURES = {
  'req/s': { read: (row: Row) => row.requestsPerSecond, digits: 0, unit: ' req/s' },
  'p99 ms': { read: (row: Row) => row.p99Ms, digits: 0, unit: ' ms' },
  'SQL/req': { read: (row: Row) => row.statementsPerRequest, digits: 2, unit: '' },
  'ELD p99 ms': { read: (row: Row) => row.eventLoopP99Ms, digits: 1, unit: ' ms' },
  'settled RSS MB': { read: (row: Row) => row.settledRssMb ?? null, digits: 0, unit: ' MB' },
  'RSS MB': { read: (row: Row) => row.rssMb, digits: 0, unit: ' MB' },
};
type Figure = keyof typeof FIGURES;

/** Rows of a run: of these workloads (all when absent) and this server (a prefix: `gateway` is also `gateway REST`). */
interface Series {
  workloads?: (options: BenchOptions) => string[];
  server: string;
}

/**
 * One target of the issue. `per: 'connections'` checks each connection count apart (all must
 * pass), pooling the rows of each; `per: 'run'` checks the rows' figures together: their maximum
 * (`≤`, `<`), their spread (max − min), or the growth from the first to the last in %.
 */
interface TargetRow {
  /** `{limit}` becomes comparison, threshold and unit; `{repeat}` the --repeat count. */
  name: string;
  from: Series;
  /** The figure is then the ratio of `from` to `versus` (in ×). */
  versus?: Series;
  figure: Figure;
  per: 'connections' | 'run';
  comparison: '≥' | '≤' | '<' | 'spread ≤' | 'growth ≤';
  threshold: number;
  unit: '×' | 'ms' | 'MB' | 'statements' | '%';
  /** Each value with its workload and connection count (`per: 'run'`), not as a sequence. */
  labelled?: boolean;
  /** Fewer rows than this: not measured, with this hint. */
  needs?: { rows: number; hint: string };
  /** A figure shown beside the measured values: the maximum of `figure` over `from`'s rows. */
  alongside?: { label: string; from: Series; figure: Figure };
  /** `per: 'connections'` at these connection counts only (of `from`, and of `versus`), not at each of the run's. */
  at?: { from: number; versus?: number };
}

const nested = (options: BenchOptions) => options.firsts.map(nestedWorkload);
const main = () => [nestedWorkload(MAIN_FIRST)];
const small = () => [nestedWorkload(SMALL_PAGE)];
const overload = () => [OVERLOAD_WORKLOAD];
const rssRuns = (options: BenchOptions) =>
  Array.from({ length: options.repeat }, (_, index) => rssRunWorkload(index + 1, options.repeat));

export const TARGETS: TargetRow[] = [
  // prettier-ignore
  { name: 'nested query: gateway SQL per request {limit}, first=10 to 1,000', from: { workloads: nested, server: 'gateway' }, figure: 'SQL/req', per: 'run', labelled: true, comparison: '≤', threshold: 6, unit: 'statements' },
  // Background work (the import worker's idle polls) adds a little to the statement deltas.
  // prettier-ignore
  { name: 'nested query: gateway SQL per request constant from first=10 to 1,000 ({limit})', from: { workloads: nested, server: 'gateway' }, figure: 'SQL/req', per: 'run', labelled: true, comparison: 'spread ≤', threshold: 0.25, unit: 'statements' },
  // prettier-ignore
  { name: `nested query first=${MAIN_FIRST}: gateway req/s {limit} PostGraphile's`, from: { workloads: main, server: 'gateway' }, versus: { workloads: main, server: 'postgraphile' }, figure: 'req/s', per: 'connections', comparison: '≥', threshold: 1, unit: '×' },
  // prettier-ignore
  { name: `nested query first=${MAIN_FIRST}: gateway p99 {limit} PostGraphile's`, from: { workloads: main, server: 'gateway' }, versus: { workloads: main, server: 'postgraphile' }, figure: 'p99 ms', per: 'connections', comparison: '≤', threshold: 1.25, unit: '×' },
  // prettier-ignore
  { name: `nested query first=${SMALL_PAGE}: gateway req/s {limit} PostGraphile's`, from: { workloads: small, server: 'gateway' }, versus: { workloads: small, server: 'postgraphile' }, figure: 'req/s', per: 'connections', comparison: '≥', threshold: 1, unit: '×' },
  // prettier-ignore
  { name: `nested query first=${SMALL_PAGE}: gateway p99 {limit} PostGraphile's`, from: { workloads: small, server: 'gateway' }, versus: { workloads: small, server: 'postgraphile' }, figure: 'p99 ms', per: 'connections', comparison: '≤', threshold: 1, unit: '×' },
  // prettier-ignore
  { name: `nested query first=${MAIN_FIRST}: gateway req/s {limit} the limit's`, from: { workloads: main, server: 'gateway' }, versus: { workloads: main, server: 'limit' }, figure: 'req/s', per: 'connections', comparison: '≥', threshold: 0.6, unit: '×' },
  // prettier-ignore
  { name: 'REST /api/v1/users?per_page=100 {limit} the same GraphQL query (both runs of each)', from: { workloads: () => [REST_WORKLOAD], server: REST_LABEL }, versus: { workloads: () => [REST_WORKLOAD], server: REST_GRAPHQL_LABEL }, figure: 'req/s', per: 'connections', comparison: '≥', threshold: 0.9, unit: '×' },
  // prettier-ignore
  { name: 'login {limit} the raw Argon2id rate', from: { workloads: () => [LOGIN_WORKLOAD], server: 'gateway' }, versus: { workloads: () => [LOGIN_WORKLOAD], server: RAW_HASH_LABEL }, figure: 'req/s', per: 'connections', comparison: '≥', threshold: 0.9, unit: '×' },
  // prettier-ignore
  { name: 'login: gateway event-loop delay p99 {limit} during the burst', from: { workloads: () => [LOGIN_WORKLOAD], server: 'gateway' }, figure: 'ELD p99 ms', per: 'connections', comparison: '<', threshold: 20, unit: 'ms' },
  // prettier-ignore
  { name: 'write mutation {limit} the single UPDATE … RETURNING', from: { workloads: () => [WRITE_WORKLOAD], server: 'gateway' }, versus: { workloads: () => [WRITE_WORKLOAD], server: 'limit' }, figure: 'req/s', per: 'connections', comparison: '≥', threshold: 0.5, unit: '×' },
  // prettier-ignore
  { name: "write mutation: gateway req/s {limit} PostGraphile's", from: { workloads: () => [WRITE_WORKLOAD], server: 'gateway' }, versus: { workloads: () => [WRITE_WORKLOAD], server: 'postgraphile' }, figure: 'req/s', per: 'connections', comparison: '≥', threshold: 0.8, unit: '×' },
  // prettier-ignore
  { name: `overload: requests served per second at ${OVERLOAD_CONNECTIONS.overload} connections {limit} those at ${OVERLOAD_CONNECTIONS.served}`, from: { workloads: overload, server: 'gateway' }, versus: { workloads: overload, server: 'gateway' }, at: { from: OVERLOAD_CONNECTIONS.overload, versus: OVERLOAD_CONNECTIONS.served }, figure: 'req/s', per: 'connections', comparison: '≥', threshold: 0.9, unit: '×' },
  // prettier-ignore
  { name: `overload: p99 of the requests served at ${OVERLOAD_CONNECTIONS.overload} connections {limit}`, from: { workloads: overload, server: 'gateway' }, at: { from: OVERLOAD_CONNECTIONS.overload }, figure: 'p99 ms', per: 'connections', comparison: '≤', threshold: 2000, unit: 'ms' },
  // prettier-ignore
  { name: 'steady RSS of the gateway {limit} (settled after each main-workload run)', from: { workloads: rssRuns, server: 'gateway' }, figure: 'settled RSS MB', per: 'run', comparison: '<', threshold: 250, unit: 'MB', alongside: { label: 'right after any run: max', from: { server: 'gateway' }, figure: 'RSS MB' } },
  // prettier-ignore
  { name: 'no RSS growth across {repeat} runs of the main workload (settled, last vs first: {limit})', from: { workloads: rssRuns, server: 'gateway' }, figure: 'settled RSS MB', per: 'run', comparison: 'growth ≤', threshold: 5, unit: '%', needs: { rows: 3, hint: 'run with --repeat 3 (the default without --quick)' } },
];

const ratio = (value: number) => `${value.toFixed(2)}×`;
const show = (value: number, figure: Figure) => `${value.toFixed(FIGURES[figure].digits)}${FIGURES[figure].unit}`;

/** Several runs of one server as one: every response they counted over all their windows. */
function pooled(runs: Row[]): Row | undefined {
  if (!runs.length) return undefined;
  const completed = runs.reduce((sum, run) => sum + run.completed, 0);
  const seconds = runs.reduce((sum, run) => sum + (run.requestsPerSecond > 0 ? run.completed / run.requestsPerSecond : 0), 0);
  const errors = runs.reduce((sum, run) => sum + run.errors, 0);
  return { ...runs[0], completed, errors, requestsPerSecond: seconds > 0 ? completed / seconds : 0 };
}

function passes(comparison: TargetRow['comparison'], values: number[], threshold: number): boolean {
  const [max, min] = [Math.max(...values), Math.min(...values)];
  if (comparison === '≥') return min >= threshold;
  if (comparison === '≤') return max <= threshold;
  if (comparison === '<') return max < threshold;
  if (comparison === 'spread ≤') return max - min <= threshold;
  return values.at(-1)! <= values[0] * (1 + threshold / 100);
}

/** One target against the rows of this run. */
function check(target: TargetRow, rows: Row[], options: BenchOptions): TargetCheck {
  const limit = `${target.comparison} ${target.threshold}${target.unit === '×' || target.unit === '%' ? '' : ' '}${target.unit}`;
  const name = target.name.replace('{limit}', limit).replace('{repeat}', String(options.repeat));
  const select = (series: Series, connections?: number | null) => {
    const workloads = series.workloads?.(options);
    return rows.filter(
      (row) =>
        (row.server === series.server || row.server.startsWith(`${series.server} `)) &&
        (!workloads || workloads.includes(row.workload)) &&
        (connections === undefined || row.connections === connections),
    );
  };
  const figure = FIGURES[target.figure].read;
  const notMeasured = (hint = '—'): TargetCheck => ({ target: name, measured: hint, verdict: 'not measured' });

  if (target.per === 'run') {
    const measured = select(target.from).filter((row) => figure(row) != null);
    if (measured.length < (target.needs?.rows ?? 1)) return notMeasured(target.needs?.hint);
    const values = measured.map((row) => figure(row)!);
    const listed = measured
      .map((row, index) => {
        const label = target.labelled ? `${row.workload.replace('nested query ', '')}@${row.connections}: ` : '';
        return `${label}${show(values[index], target.figure)}${row.errors ? ' (answered with errors)' : ''}`;
      })
      .join(target.labelled ? ', ' : ' → ');
    const spread = Math.max(...values) - Math.min(...values);
    const notes = target.comparison === 'spread ≤' ? [`spread ${spread.toFixed(2)}`] : [];
    if (target.alongside) {
      const { label, from, figure: other } = target.alongside;
      const beside = select(from).flatMap((row) => FIGURES[other].read(row) ?? []);
      if (beside.length) notes.push(`${label} ${show(Math.max(...beside), other)}`);
    }
    return {
      target: name,
      measured: `${listed}${notes.length ? ` (${notes.join('; ')})` : ''}`,
      verdict: passes(target.comparison, values, target.threshold) ? 'met' : 'missed',
    };
  }

  const pairs = target.at
    ? [{ connections: target.at.from, versus: target.at.versus ?? target.at.from }]
    : options.connections.map((connections) => ({ connections, versus: connections }));
  const results = pairs.flatMap(({ connections, versus }) => {
    const a = pooled(select(target.from, connections));
    const b = target.versus ? pooled(select(target.versus, versus)) : undefined;
    const [valueA, valueB] = [a && figure(a), b && figure(b)];
    if (valueA == null || (target.versus && !valueB)) return [];
    const errors = a!.errors + (b?.errors ?? 0);
    const value = valueB ? valueA / valueB : valueA;
    const shown = valueB
      ? `${show(valueA, target.figure)} vs ${show(valueB, target.figure)} (${ratio(value)})`
      : show(value, target.figure);
    return [
      {
        connections,
        measured: `${shown}${errors ? ` (${errors} errors)` : ''}`,
        ok: !errors && passes(target.comparison, [value], target.threshold),
      },
    ];
  });
  if (!results.length) return notMeasured();
  return {
    target: name,
    measured: results.map((result) => `${result.connections} conns: ${result.measured}`).join('; '),
    verdict: results.every((result) => result.ok) ? 'met' : 'missed',
  };
}

/** The targets of the issue, checked against the rows of this run. */
export function checkTargets(rows: Row[], options: BenchOptions): TargetCheck[] {
  return TARGETS.map((target) => check(target, rows, options));
}
