import { isDeepStrictEqual } from 'node:util';
import { BENCH_QUERY } from '../../../test/helpers/documents';
import { graphqlBody, LIMIT_DOCUMENT, POSTGRAPHILE_BENCH } from '../documents';
import { graphqlSucceeded, type RequestPlan } from '../load';
import { measure, type Row, type SampleCheck, type ServerName } from '../measure';
import { type BenchContext, gatewayHeaders, gatewayProfilePath, graphqlProblem, JSON_HEADERS, postGraphql } from './context';

export const nestedWorkload = (first: number) => `nested query first=${first}`;
/** The workload of most speed targets; --profile profiles the gateway at it and at SMALL_PAGE. */
export const MAIN_FIRST = 100;
/** The small page frontends ask for most: its own speed targets. */
export const SMALL_PAGE = 10;

const BASELINES: Record<ServerName, Row['baseline']> = { gateway: undefined, postgraphile: 'postgraphile', limit: 'limit' };

export function nestedPlan(ctx: BenchContext, server: ServerName, first: number): RequestPlan {
  const document = { gateway: BENCH_QUERY, postgraphile: POSTGRAPHILE_BENCH, limit: LIMIT_DOCUMENT }[server];
  return {
    method: 'POST',
    path: '/graphql',
    headers: server === 'gateway' ? gatewayHeaders(ctx) : { ...JSON_HEADERS },
    body: graphqlBody(document, 'Bench', { first }),
    check: graphqlSucceeded,
  };
}

/** A full answer: `first` users, each with its accesses, the total of all users. */
export function nestedSample(server: ServerName, first: number): SampleCheck {
  return (status, json) => {
    const problem = graphqlProblem(status, json);
    if (problem) return problem;
    const data = (json as { data: Record<string, any> }).data;
    const connection = server === 'postgraphile' ? data.allUsers : data.users;
    const users: any[] = server === 'postgraphile' ? connection.nodes : connection.edges.map((edge: any) => edge.node);
    if (users.length !== first) return `${users.length} users instead of ${first}`;
    if (typeof connection.totalCount !== 'number' || connection.totalCount < first) return `totalCount ${connection.totalCount}`;
    const accesses = server === 'postgraphile' ? users[0].userAccessesByUserId.nodes : users[0].accesses;
    if (!accesses?.length) return 'the first user has no accesses';
    return null;
  };
}

/** The limit is only a limit if it answers exactly what the gateway answers. */
async function compareLimitWithGateway(ctx: BenchContext): Promise<string | null> {
  const fetchAnswer = (server: ServerName) => {
    const plan = nestedPlan(ctx, server, 10);
    return postGraphql(ctx.targets[server].server.baseUrl, plan.body!, plan.headers);
  };
  const [gateway, limit] = await Promise.all([fetchAnswer('gateway'), fetchAnswer('limit')]);
  return isDeepStrictEqual(gateway.json, limit.json) ? null : "the limit's answer at first=10 differs from the gateway's";
}

/** The contract's benchmark query on the three servers, interleaved so drift hits all of them alike. */
export async function runNestedQuery(ctx: BenchContext): Promise<void> {
  const mismatch = await compareLimitWithGateway(ctx);
  if (mismatch) ctx.skipped.push(`warning: ${mismatch}`);
  for (const first of ctx.options.firsts) {
    for (const connections of ctx.options.connections) {
      for (const server of ['gateway', 'postgraphile', 'limit'] as const) {
        ctx.log(`  ${nestedWorkload(first)}, ${server}, ${connections} connections`);
        const profiled = server === 'gateway' && (first === MAIN_FIRST || first === SMALL_PAGE);
        const profileTo = profiled ? gatewayProfilePath(ctx, nestedWorkload(first), connections) : undefined;
        ctx.rows.push(
          await measure({
            target: ctx.targets[server],
            workload: nestedWorkload(first),
            baseline: BASELINES[server],
            plan: nestedPlan(ctx, server, first),
            sample: nestedSample(server, first),
            connections,
            durations: ctx.options.durations,
            profileTo,
          }),
        );
      }
    }
  }
}
