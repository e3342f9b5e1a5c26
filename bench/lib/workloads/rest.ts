import { GATEWAY_REST_EQUIVALENT, graphqlBody } from '../documents';
import { graphqlSucceeded } from '../load';
import { measure } from '../measure';
import { readSettledRss } from '../proc-stats';
import { type BenchContext, gatewayHeaders, graphqlProblem } from './context';

export const REST_WORKLOAD = 'REST users per_page=100 vs GraphQL';
export const REST_LABEL = 'gateway REST';
export const REST_GRAPHQL_LABEL = 'gateway GraphQL';
const PAGE = 100;

/**
 * `GET /api/v1/users?per_page=100` next to the GraphQL document that route runs (gateway only).
 * The nested query at first=1000 leaves the gateway a large heap, and its collection would fall in
 * whichever run comes next (REST at 10 connections came out 10-15% behind GraphQL for it, where
 * alone the two cost the same CPU per request): the gateway gives that memory back first.
 */
export async function runRest(ctx: BenchContext): Promise<void> {
  const target = ctx.targets.gateway;
  const headers = gatewayHeaders(ctx);
  await readSettledRss(target.server.pid);
  for (const connections of ctx.options.connections) {
    ctx.log(`  ${REST_WORKLOAD}, ${connections} connections`);
    ctx.rows.push(
      await measure({
        target,
        workload: REST_WORKLOAD,
        label: REST_LABEL,
        plan: {
          method: 'GET',
          path: `/api/v1/users?per_page=${PAGE}`,
          headers: { authorization: headers.authorization },
          check: (status, body) => status === 200 && body.startsWith('{"users":'),
        },
        sample: (status, json) => {
          const users = (json as { users?: unknown[] }).users;
          if (status !== 200) return `HTTP ${status}`;
          return users?.length === PAGE ? null : `${users?.length} users instead of ${PAGE}`;
        },
        connections,
        durations: ctx.options.durations,
      }),
    );
    ctx.rows.push(
      await measure({
        target,
        workload: REST_WORKLOAD,
        label: REST_GRAPHQL_LABEL,
        plan: {
          method: 'POST',
          path: '/graphql',
          headers,
          body: graphqlBody(GATEWAY_REST_EQUIVALENT, 'ListUsers', { first: PAGE, filter: {} }),
          check: graphqlSucceeded,
        },
        sample: (status, json) => {
          const problem = graphqlProblem(status, json);
          if (problem) return problem;
          const edges = (json as { data: { users: { edges: unknown[] } } }).data.users.edges;
          return edges.length === PAGE ? null : `${edges.length} users instead of ${PAGE}`;
        },
        connections,
        durations: ctx.options.durations,
      }),
    );
  }
}
