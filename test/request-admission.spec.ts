import { holdNextStagesList } from './helpers/held-stages';
import { useTestWorld } from './helpers/setup';
import { pollUntil } from './helpers/wait';

const MAX_WAIT_MS = 400;
const BUSY = 'the gateway is busy, retry shortly';

describe('request admission before any work (REQUEST_CONCURRENCY=1, REQUEST_QUEUE=1)', () => {
  const { app, world } = useTestWorld({
    REQUEST_CONCURRENCY: '1',
    REQUEST_QUEUE: '1',
    REQUEST_QUEUE_TIMEOUT_MS: String(MAX_WAIT_MS),
  });
  const auth = () => ({ authorization: `Bearer ${world.token('eastMember')}` });

  /** Holds the first `stages` request in its resolver until the returned release is called. */
  async function holdOneRequest(): Promise<{ answered: Promise<{ status: number }>; release: () => void }> {
    const held = holdNextStagesList();
    const answered = app.graphql('{ stages { id } }', {}, world.token('eastMember'));
    await pollUntil(() => held.calls() === 1, 'the first request to reach its resolver');
    return {
      answered,
      release: held.release,
    };
  }

  it('refuses past the queue at once, without SQL, on both transports, and refuses a request that waited too long', async () => {
    const holder = await holdOneRequest();
    try {
      const waitStart = Date.now();
      const waiting = app.request('GET', '/api/v1/stages', { headers: auth() });
      // The queue holds one: the next request is refused before its credentials are looked up.
      let busyGraphql: Awaited<ReturnType<typeof app.graphql>> | undefined;
      let busyRest: Awaited<ReturnType<typeof app.request>> | undefined;
      const statements = await app.countStatements(async () => {
        busyGraphql = await app.graphql('{ me { id } }', {}, world.token('eastMember'));
        busyRest = await app.request('GET', '/api/v1/users', { headers: auth() });
      });
      expect(statements).toBe(0);
      expect(busyGraphql!.status).toBe(503);
      expect(busyGraphql!.headers.get('retry-after')).toBe('1');
      expect(busyGraphql!.body).toEqual({
        errors: [{ message: BUSY, extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: 1 } }],
      });
      expect(busyRest!.status).toBe(503);
      expect(busyRest!.headers.get('retry-after')).toBe('1');
      expect(busyRest!.body).toEqual({ error: { code: 'SERVICE_UNAVAILABLE', message: BUSY } });

      // The waiting request gives up after REQUEST_QUEUE_TIMEOUT_MS, still without a database round trip.
      const timedOut = await waiting;
      const waited = Date.now() - waitStart;
      expect(timedOut.status).toBe(503);
      expect(timedOut.body.error.code).toBe('SERVICE_UNAVAILABLE');
      expect(waited).toBeGreaterThanOrEqual(MAX_WAIT_MS - 20);
      expect(waited).toBeLessThan(MAX_WAIT_MS + 2_000);
    } finally {
      holder.release();
    }
    expect((await holder.answered).status).toBe(200);
    // The slot is free again.
    const me = await app.graphql('{ me { id } }', {}, world.token('eastMember'));
    expect(me.body.data.me.id).toBe(String(world.users.eastMember.id));
  });

  it('serves a waiting request once the one in progress is answered', async () => {
    const holder = await holdOneRequest();
    const waiting = app.request('GET', '/api/v1/stages', { headers: auth() });
    await new Promise((resolve) => setTimeout(resolve, 50));
    holder.release();
    expect((await holder.answered).status).toBe(200);
    const served = await waiting;
    expect(served.status).toBe(200);
    expect(served.body.stages.length).toBeGreaterThan(0);
  });

  it('gives the place of a client that left to the next request', async () => {
    const holder = await holdOneRequest();
    try {
      const leaving = new AbortController();
      const abandoned = fetch(`${app.url}/api/v1/stages`, { headers: auth(), signal: leaving.signal }).catch(
        (error: Error) => error,
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      leaving.abort();
      expect(await abandoned).toMatchObject({ name: 'AbortError' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Its place in the queue is free: this one waits (then times out) instead of being refused at once.
      const started = Date.now();
      const next = await app.request('GET', '/api/v1/stages', { headers: auth() });
      expect(next.status).toBe(503);
      expect(Date.now() - started).toBeGreaterThanOrEqual(MAX_WAIT_MS - 20);
    } finally {
      holder.release();
    }
    expect((await holder.answered).status).toBe(200);
  });

  it('leaves the probes out of the gate', async () => {
    const holder = await holdOneRequest();
    try {
      expect((await app.request('GET', '/healthz')).status).toBe(200);
      expect((await app.request('GET', '/readyz')).status).toBe(200);
    } finally {
      holder.release();
    }
    await holder.answered;
  });
});
