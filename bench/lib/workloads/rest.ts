import { GATEWAY_REST_EQUIVALENT, graphqlBody } from '../documents';
import { graphqlSucceeded, runLoad } from '../load';
import { measure, type Measurement } from '../measure';
import { type BenchContext, gatewayHeaders, graphqlProblem } from './context';

export const REST_WORKLOAD = 'REST users per_page=100 vs GraphQL';
export const REST_LABEL = 'gateway REST';
export const REST_GRAPHQL_LABEL = 'gateway GraphQL';
const PAGE = 100;

/** Unmeasured load of both before the four runs, so that the first run does not pay for the state the last workload left. */
const SETTLING_LOAD_S = 2;
const NO_HOOKS = { open: async () => undefined, close: async () => undefined };

/**
 * `GET /api/v1/users?per_page=100` next to the GraphQL document that route runs (gateway only),
 * in the order REST, GraphQL, GraphQL, REST, each for half the window: a host that slows down or
 * speeds up during the four runs then weighs on both alike (a 10% difference is the target, and
 * a shared host drifts by more within a minute). Before them, both run unmeasured: the gateway
 * comes from the nested query at first=1000 with a large heap to collect (REST, measured first,
 * came out 10-15% behind GraphQL, where alone the two cost the same CPU per request).
 */
export async function runRest(ctx: BenchContext): Promise<void> {
  const target = ctx.targets.gateway;
  const headers = gatewayHeaders(ctx);
  const halfWindow = { ...ctx.options.durations, measureS: ctx.options.durations.measureS / 2 };
  for (const connections of ctx.options.connections) {
    for (const measured of [restMeasurement(headers), graphqlMeasurement(headers)]) {
      await runLoad(target.server.baseUrl, measured.plan, connections, { warmupS: 0, measureS: SETTLING_LOAD_S }, NO_HOOKS);
    }
    for (const label of [REST_LABEL, REST_GRAPHQL_LABEL, REST_GRAPHQL_LABEL, REST_LABEL]) {
      ctx.log(`  ${REST_WORKLOAD}, ${label}, ${connections} connections`);
      const measured = label === REST_LABEL ? restMeasurement(headers) : graphqlMeasurement(headers);
      ctx.rows.push(await measure({ target, workload: REST_WORKLOAD, label, ...measured, connections, durations: halfWindow }));
    }
  }
}

function restMeasurement(headers: Record<string, string>): Pick<Measurement, 'plan' | 'sample'> {
  return {
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
  };
}

function graphqlMeasurement(headers: Record<string, string>): Pick<Measurement, 'plan' | 'sample'> {
  return {
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
  };
}
