// Preloaded (`node --import`) into every server `npm run bench` starts, so it is measured from
// outside its own code, over the IPC channel the harness opens:
// - the event-loop delay: a perf_hooks histogram, reset and read per run;
// - with --profile, a V8 CPU profile of chosen runs (inspector), written where the harness says.
// When the harness goes away (even killed), the server is told to stop.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const RESOLUTION_MS = 10;
const NS_PER_MS = 1e6;
/**
 * The histogram records the time between two ticks of its `RESOLUTION_MS` timer, not how late a
 * tick came (an idle process reads p50 ≈ 10.1 ms at a 10 ms resolution): the delay is what exceeds it.
 */
const delayMs = (ns) => Math.max(0, ns / NS_PER_MS - RESOLUTION_MS);

if (process.send) {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  let session;
  const post = (method, params) =>
    new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));

  const handlers = {
    reset: async () => {
      histogram.reset();
      return {};
    },
    read: async () => ({
      p50Ms: delayMs(histogram.percentile(50)),
      p99Ms: delayMs(histogram.percentile(99)),
      maxMs: delayMs(histogram.max),
    }),
    'profile-start': async () => {
      if (!session) {
        session = new Session();
        session.connect();
        await post('Profiler.enable');
      }
      await post('Profiler.start');
      return {};
    },
    'profile-stop': async ({ path }) => {
      const { profile } = await post('Profiler.stop');
      writeFileSync(path, JSON.stringify(profile));
      return {};
    },
  };

  process.on('message', (message) => {
    const handler = handlers[message?.probe];
    if (!handler) return;
    handler(message).then(
      (reply) => process.send({ probe: message.probe, ...reply }),
      (error) => process.send({ probe: message.probe, error: String(error) }),
    );
  });
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // The channel must not keep a server alive that is otherwise shutting down.
  process.channel?.unref();
}
