import { monitorEventLoopDelay } from 'node:perf_hooks';
import { hashPassword, verifyPassword } from '../../src/modules/auth/passwords';

export interface HashRate {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  completed: number;
  eventLoopP99Ms: number;
  /** CPU time of this process (libuv's pool included) per verification. */
  cpuMsPerVerify: number;
}

const NS_PER_MS = 1e6;
const RESOLUTION_MS = 10;

/**
 * The physical limit of a login: Argon2id verifications per second at the gateway's own
 * parameters (`hashPassword` of src/modules/auth/passwords.ts), `concurrency` at a time, in this
 * process, 90% right and 10% wrong passwords like the login burst.
 */
export async function measureHashRate(concurrency: number, durationS: number): Promise<HashRate> {
  const password = 'correct horse battery staple';
  const hash = await hashPassword(password);
  const latencies: number[] = [];
  const eventLoop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  let count = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const deadline = started + durationS * 1000;
  eventLoop.enable();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        count += 1;
        const attempt = count % 10 === 9 ? `${password}!` : password;
        const begin = performance.now();
        await verifyPassword(hash, attempt);
        latencies.push(performance.now() - begin);
      }
    }),
  );
  eventLoop.disable();
  const cpu = process.cpuUsage(cpuBefore);
  const elapsedS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return {
    perSecond: latencies.length / elapsedS,
    p50Ms: percentile(50),
    p99Ms: percentile(99),
    completed: latencies.length,
    // Like bench/lib/server-probe.mjs: the histogram holds tick intervals, the delay is what exceeds the resolution.
    eventLoopP99Ms: Math.max(0, eventLoop.percentile(99) / NS_PER_MS - RESOLUTION_MS),
    cpuMsPerVerify: (cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length),
  };
}
