import { GATEWAY_UPDATE_USER, graphqlBody, POSTGRAPHILE_UPDATE_USER } from '../documents';
import { graphqlSucceeded, type RequestPlan } from '../load';
import { measure, type Row, type ServerName } from '../measure';
import {
  type BenchContext,
  gatewayHeaders,
  gatewayHasMutation,
  gatewayProfilePath,
  graphqlProblem,
  JSON_HEADERS,
} from './context';

export const WRITE_WORKLOAD = 'write updateUser(firstName)';
const BASELINES: Record<ServerName, Row['baseline']> = { gateway: undefined, postgraphile: 'postgraphile', limit: 'limit' };

/**
 * Each request renames the next user in turn, so concurrent requests never wait on one row's lock.
 * The limit is a single `UPDATE ... RETURNING` building the response.
 */
function writePlan(ctx: BenchContext, server: ServerName): RequestPlan {
  const ids = ctx.seeded.userIds;
  let count = 0;
  const next = () => {
    count += 1;
    const id = ids[count % ids.length];
    const firstName = `Renamed${count}`;
    const body =
      server === 'gateway'
        ? graphqlBody(GATEWAY_UPDATE_USER, 'UpdateUser', { id: String(id), input: { firstName } })
        : server === 'postgraphile'
          ? graphqlBody(POSTGRAPHILE_UPDATE_USER, 'UpdateUser', { id, firstName })
          : graphqlBody('', 'UpdateUser', { id, firstName });
    return { body, expectFailure: false };
  };
  return {
    method: 'POST',
    path: '/graphql',
    headers: server === 'gateway' ? gatewayHeaders(ctx) : { ...JSON_HEADERS },
    next,
    check: graphqlSucceeded,
  };
}

export async function runWrite(ctx: BenchContext): Promise<void> {
  if (!(await gatewayHasMutation(ctx, 'updateUser'))) {
    ctx.skipped.push(`${WRITE_WORKLOAD}: skipped, the gateway has no updateUser mutation yet`);
    return;
  }
  for (const connections of ctx.options.connections) {
    for (const server of ['gateway', 'postgraphile', 'limit'] as const) {
      ctx.log(`  ${WRITE_WORKLOAD}, ${server}, ${connections} connections`);
      ctx.rows.push(
        await measure({
          target: ctx.targets[server],
          workload: WRITE_WORKLOAD,
          baseline: BASELINES[server],
          plan: writePlan(ctx, server),
          sample: graphqlProblem,
          connections,
          durations: ctx.options.durations,
          profileTo: server === 'gateway' ? gatewayProfilePath(ctx, WRITE_WORKLOAD, connections) : undefined,
        }),
      );
    }
  }
}
