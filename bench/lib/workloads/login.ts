import { LOGIN } from '../../../test/helpers/documents';
import { graphqlBody } from '../documents';
import { graphqlSucceeded, type RequestPlan } from '../load';
import { measureHashRate } from '../hash-rate';
import { measure } from '../measure';
import { waitUntilIdle } from '../proc-stats';
import { type BenchContext, graphqlProblem, JSON_HEADERS } from './context';

export const LOGIN_WORKLOAD = 'login burst (10% wrong passwords)';
export const RAW_HASH_LABEL = 'argon2id verify, in-process';

/** Every tenth attempt has a wrong password; the first one drawn is right (the sample checks it). */
function loginPlan(ctx: BenchContext): RequestPlan {
  const { emails, password } = ctx.seeded.login;
  let count = 0;
  const next = () => {
    const wrong = count % 10 === 9;
    const email = emails[count % emails.length];
    count += 1;
    return {
      body: graphqlBody(LOGIN, undefined, { email, password: wrong ? `${password}!` : password }),
      expectFailure: wrong,
    };
  };
  return {
    method: 'POST',
    path: '/graphql',
    headers: { ...JSON_HEADERS },
    next,
    check: (status, body, expectFailure) =>
      expectFailure ? body.includes('"UNAUTHENTICATED"') : graphqlSucceeded(status, body) && body.includes('"token":'),
  };
}

/** The gateway's `login` under load next to the raw Argon2id verification rate at the same concurrency. */
export async function runLogin(ctx: BenchContext): Promise<void> {
  for (const connections of ctx.options.connections) {
    ctx.log(`  ${LOGIN_WORKLOAD}, gateway, ${connections} connections`);
    ctx.rows.push(
      await measure({
        target: ctx.targets.gateway,
        workload: LOGIN_WORKLOAD,
        plan: loginPlan(ctx),
        sample: (status, json) => {
          const problem = graphqlProblem(status, json);
          if (problem) return problem;
          return typeof (json as any).data.login?.token === 'string' ? null : 'no token';
        },
        connections,
        durations: ctx.options.durations,
      }),
    );
    ctx.log(`  ${LOGIN_WORKLOAD}, ${RAW_HASH_LABEL}, ${connections} at a time`);
    // The gateway may still be hashing for logins autocannon gave up on: that would steal the cores.
    await waitUntilIdle(ctx.targets.gateway.server.pid);
    const rate = await measureHashRate(connections, ctx.options.durations.measureS);
    ctx.rows.push({
      workload: LOGIN_WORKLOAD,
      server: RAW_HASH_LABEL,
      baseline: 'limit',
      connections,
      requestsPerSecond: rate.perSecond,
      p50Ms: rate.p50Ms,
      p99Ms: rate.p99Ms,
      completed: rate.completed,
      errors: 0,
      statementsPerRequest: null,
      peakRssMb: null,
      rssMb: null,
      eventLoopP99Ms: rate.eventLoopP99Ms,
      // Hashing is this process's only work here: its CPU is the server's, and there is no load generator.
      cpu: { serverMs: rate.cpuMsPerVerify, postgresMs: null, proxyMs: null, loadMs: null },
      notes: [],
    });
  }
}
