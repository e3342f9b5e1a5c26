import { measure } from '../measure';
import { readSettledRss } from '../proc-stats';
import type { BenchContext } from './context';
import { MAIN_FIRST, nestedPlan, nestedSample } from './nested-query';

export const rssRunWorkload = (run: number, runs: number) => `main workload again, run ${run}/${runs}`;

/**
 * The main workload (nested query, first=100, most connections) on the gateway `repeat` times in
 * a row, after every other read and write workload: the settled RSS after each run is the steady
 * size of the gateway, and shows whether memory grows.
 */
export async function runRssStability(ctx: BenchContext): Promise<void> {
  const runs = ctx.options.repeat;
  const connections = Math.max(...ctx.options.connections);
  for (let run = 1; run <= runs; run += 1) {
    ctx.log(`  ${rssRunWorkload(run, runs)} (nested query first=${MAIN_FIRST}, gateway, ${connections} connections)`);
    const row = await measure({
      target: ctx.targets.gateway,
      workload: rssRunWorkload(run, runs),
      plan: nestedPlan(ctx, 'gateway', MAIN_FIRST),
      sample: nestedSample('gateway', MAIN_FIRST),
      connections,
      durations: ctx.options.durations,
    });
    row.settledRssMb = await readSettledRss(ctx.targets.gateway.server.pid);
    ctx.rows.push(row);
  }
}
