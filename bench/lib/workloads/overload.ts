import { graphqlSucceeded, type RequestPlan } from '../load';
import { measure } from '../measure';
import { type BenchContext, gatewayProfilePath } from './context';
import { MAIN_FIRST, nestedPlan, nestedSample } from './nested-query';

export const OVERLOAD_WORKLOAD = `overload: nested query first=${MAIN_FIRST}`;
/** The connections of the comparison: a load the gateway serves, and forty times as many. */
export const OVERLOAD_CONNECTIONS = { served: 50, overload: 2_000 } as const;

/**
 * The main workload with every request's answer either served or refused with 503 as busy (the
 * admission gate's answer): req/s and latencies count the requests served (goodput), and the
 * refusals are reported apart. A refusal of any other kind is an error.
 */
function overloadPlan(ctx: BenchContext): RequestPlan {
  return {
    ...nestedPlan(ctx, 'gateway', MAIN_FIRST),
    check: (status, body) => (status === 503 ? body.includes('"SERVICE_UNAVAILABLE"') : graphqlSucceeded(status, body)),
    refusedStatus: 503,
  };
}

/** The gateway alone, at the load it serves and far past it: how much of its rate it keeps (--profile profiles both). */
export async function runOverload(ctx: BenchContext): Promise<void> {
  for (const connections of Object.values(OVERLOAD_CONNECTIONS)) {
    ctx.log(`  ${OVERLOAD_WORKLOAD}, gateway, ${connections} connections`);
    ctx.rows.push(
      await measure({
        target: ctx.targets.gateway,
        workload: OVERLOAD_WORKLOAD,
        plan: overloadPlan(ctx),
        sample: nestedSample('gateway', MAIN_FIRST),
        connections,
        durations: ctx.options.durations,
        profileTo: gatewayProfilePath(ctx, `${OVERLOAD_WORKLOAD} at ${connections} connections`, connections),
      }),
    );
  }
}
