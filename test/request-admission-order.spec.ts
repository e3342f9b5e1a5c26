import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { restErrorBody } from '../src/shared/errors';
import { RequestAdmission } from '../src/shared/http/request-admission';
import { pollUntil } from './helpers/wait';

/**
 * The order of turns at the admission gate, on a server of its own: every request is held in its
 * handler until the test lets it go, so which one got a turn is exact. (What the gate spares the
 * database is request-admission.spec.ts, on the whole gateway.)
 */
describe('request admission: whose turn it is', () => {
  const MAX_WAIT_MS = 2_000;
  let admission: RequestAdmission;
  let server: Server;
  let url: string;
  const admitted: string[] = [];
  const held = new Map<string, () => void>();

  beforeEach(async () => {
    admission = new RequestAdmission({ concurrent: 1, queued: 5, maxWaitMs: MAX_WAIT_MS });
    admitted.length = 0;
    held.clear();
    const app = express();
    app.use(
      '/api',
      admission.gate(restErrorBody, (path) => path === '/free'),
    );
    app.get('/api/:name', (req, res) => {
      const name = String(req.params.name);
      admitted.push(name);
      held.set(name, () => {
        if (!res.headersSent) res.json({ name });
      });
    });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    held.forEach((release) => release());
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const send = (name: string, signal?: AbortSignal) =>
    fetch(`${url}/api/${name}`, { signal }).then(async (response) => ({ status: response.status, body: await response.json() }));
  const release = (name: string) => held.get(name)!();
  const waiting = (count: number) => pollUntil(() => admission.load.waiting === count, `${count} requests waiting`);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /**
   * `first` in progress, then `old` waiting past half the longest wait, then `fresh` behind it;
   * `admittedBefore` is how many requests were admitted before `first`.
   */
  async function lineStandingPastHalfTheWait(admittedBefore = 0) {
    const first = send('first');
    await pollUntil(() => admitted.length === admittedBefore + 1, 'the first request to be admitted');
    const startedOld = Date.now();
    const old = send('old');
    await waiting(1);
    await sleep(MAX_WAIT_MS / 2 + 50);
    const fresh = send('fresh');
    await waiting(2);
    return { first, old, fresh, startedOld };
  }

  it('takes turns in arrival order while the line moves', async () => {
    const first = send('first');
    await pollUntil(() => admitted.length === 1, 'the first request to be admitted');
    const second = send('second');
    await waiting(1);
    const third = send('third');
    await waiting(2);
    release('first');
    await pollUntil(() => admitted.length === 2, 'a second admission');
    expect(admitted).toEqual(['first', 'second']);
    release('second');
    await pollUntil(() => admitted.length === 3, 'a third admission');
    release('third');
    expect((await Promise.all([first, second, third])).map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(admitted).toEqual(['first', 'second', 'third']);
  });

  it('serves the newest first once the line stands longer than half the longest wait and more wait than finished within it, and refuses the oldest when its wait is over', async () => {
    const { first, old, fresh, startedOld } = await lineStandingPastHalfTheWait();
    release('first');
    await pollUntil(() => admitted.length === 2, 'a second admission');
    expect(admitted).toEqual(['first', 'fresh']);

    const refused = await old;
    expect(refused).toEqual({
      status: 503,
      body: { error: { code: 'SERVICE_UNAVAILABLE', message: 'the gateway is busy, retry shortly' } },
    });
    expect(Date.now() - startedOld).toBeGreaterThanOrEqual(MAX_WAIT_MS - 20);
    release('fresh');
    expect((await first).status).toBe(200);
    expect((await fresh).status).toBe(200);
    expect(admission.load).toEqual({ running: 0, waiting: 0, refused: 1 });
  });

  it('keeps arrival order for a short line that moves slowly: fewer wait than finished within the bound', async () => {
    for (const name of ['a', 'b', 'c']) {
      const answer = send(name);
      await pollUntil(() => admitted.includes(name), `${name} to be admitted`);
      release(name);
      expect((await answer).status).toBe(200);
    }
    const { first, old, fresh } = await lineStandingPastHalfTheWait(3);
    release('first');
    await pollUntil(() => admitted.length === 5, 'the next admission');
    expect(admitted.slice(3)).toEqual(['first', 'old']);
    release('old');
    await pollUntil(() => admitted.length === 6, 'the last admission');
    release('fresh');
    expect((await Promise.all([first, old, fresh])).map((answer) => answer.status)).toEqual([200, 200, 200]);
  });

  it('refuses at once past the queue, frees the place of a client that left, and lets exempt paths through', async () => {
    const first = send('first');
    await pollUntil(() => admitted.length === 1, 'the first request to be admitted');
    const leaving = new AbortController();
    const gone = send('gone', leaving.signal).catch((error: Error) => error.name);
    const waiters = ['w1', 'w2', 'w3', 'w4'].map((name) => send(name));
    await waiting(5);
    const started = Date.now();
    expect(await send('sixth')).toMatchObject({ status: 503 });
    expect(Date.now() - started).toBeLessThan(MAX_WAIT_MS / 2);

    leaving.abort();
    expect(await gone).toBe('AbortError');
    await waiting(4);
    // An exempt path passes the gate however full it is.
    const free = send('free');
    await pollUntil(() => admitted.includes('free'), 'the exempt request');
    release('free');
    expect((await free).status).toBe(200);

    release('first');
    await pollUntil(() => admitted.length === 3, 'the next admission');
    // The line had not stood for half the wait: the oldest still waiting goes next.
    expect(admitted[2]).toBe('w1');
    for (let next = 3; next <= 6; next += 1) {
      await pollUntil(() => admitted.length === next, 'the next admission');
      release(admitted[next - 1]);
    }
    expect((await Promise.all(waiters)).map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect((await first).status).toBe(200);
  });
});
