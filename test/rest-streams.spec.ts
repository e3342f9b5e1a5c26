import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import type { FormattedExecutionResult } from 'graphql';
import { z } from 'zod';
import type { OperationRunner } from '../src/graphql/operation-runner';
import { createRestRouter } from '../src/rest/rest-router';
import { buildOpenApiDocument } from '../src/rest/openapi';
import { defineStreamRoute } from '../src/rest/stream-route';
import { createLogger } from '../src/shared/logger';
import { pollUntil } from './helpers/wait';

/**
 * The stream routes' mechanism on its own (rest-router.ts `streamPages`), with a stand-in for the
 * operation runner: an endless stream of pages of ~1 MB, so that what it holds in memory shows.
 */

const LINES_PER_PAGE = 1000;
const PADDING = 'x'.repeat(1000);

const numbers = defineStreamRoute({
  name: 'Numbers',
  description: 'An endless stream of numbers, for the test.',
  method: 'GET',
  path: '/numbers',
  auth: 'token',
  query: z.object({ fail_at: z.coerce.number().int().optional(), pages: z.coerce.number().int().optional() }),
  document: 'query Numbers($after: String) { numbers(after: $after) }',
  variables: ({ query }, after) => ({ after, failAt: query.fail_at, pages: query.pages }),
  page: ({ numbers: page }) => page,
  item: z.object({ n: z.number(), padding: z.string() }),
  errors: [403],
});

let pagesRun = 0;
let lastSocket: Socket | undefined;
const runner: OperationRunner = async (req, operation) => {
  lastSocket = req.socket;
  const { after, failAt, pages } = operation.variables() as { after: string | null; failAt?: number; pages?: number };
  const index = after === null ? 0 : Number(after);
  pagesRun += 1;
  await new Promise((resolve) => setImmediate(resolve));
  if (index === failAt)
    return { errors: [{ message: 'not allowed here', extensions: { code: 'FORBIDDEN' } }] } as FormattedExecutionResult;
  const items = Array.from({ length: LINES_PER_PAGE }, (_, line) => ({ n: index * LINES_PER_PAGE + line, padding: PADDING }));
  const last = pages !== undefined && index + 1 >= pages;
  return { data: { numbers: { items, after: last ? null : String(index + 1) } } };
};

const logged: Record<string, unknown>[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logged.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const app = express();
  app.use('/api/v1', createRestRouter([], runner, createLogger('error', sink), [numbers]));
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/numbers`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  pagesRun = 0;
  logged.length = 0;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The number of pages run, once none has run for 300 ms (however slow the machine is to get there). */
async function pagesOnceStopped(): Promise<number> {
  let pages = -1;
  await pollUntil(
    async () => {
      const before = pagesRun;
      await sleep(300);
      pages = pagesRun;
      return pages === before;
    },
    'the pages to stop',
    { intervalMs: 0 },
  );
  return pages;
}

it('writes every page as NDJSON lines, in order, and ends', async () => {
  const response = await fetch(`${url}?pages=3`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
  const lines = (await response.text()).split('\n');
  expect(lines.pop()).toBe('');
  expect(lines.map((line) => JSON.parse(line).n)).toEqual(Array.from({ length: 3 * LINES_PER_PAGE }, (_, n) => n));
  expect(pagesRun).toBe(3);
});

it('answers a failure of the first page as a JSON error with its status', async () => {
  const response = await fetch(`${url}?fail_at=0`);
  expect(response.status).toBe(403);
  expect(await response.json()).toEqual({ error: { code: 'FORBIDDEN', message: 'not allowed here' } });
});

it('answers input the query schema refuses with 400 before running anything', async () => {
  const response = await fetch(`${url}?fail_at=soon`);
  expect(response.status).toBe(400);
  const body = (await response.json()) as { error: { details: unknown } };
  expect(body.error.details).toEqual([expect.objectContaining({ field: 'fail_at' })]);
  expect(pagesRun).toBe(0);
});

it('cuts the connection when a later page fails, after the lines already sent, and logs it', async () => {
  const response = await fetch(`${url}?fail_at=2`);
  expect(response.status).toBe(200);
  let text = '';
  const decoder = new TextDecoder();
  await expect(
    (async () => {
      for await (const chunk of response.body!) text += decoder.decode(chunk, { stream: true });
    })(),
  ).rejects.toThrow();
  // Two whole pages arrived, and the body did not end as a complete one would.
  expect(text.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(2 * LINES_PER_PAGE - 1);
  await pollUntil(() => logged.length > 0, 'the log line');
  expect(logged[0]).toMatchObject({ msg: expect.stringContaining('stream failed') });
});

it('asks for the next page only as fast as the client reads (backpressure), and stops when it goes away', async () => {
  const aborted = new AbortController();
  const response = await fetch(url, { signal: aborted.signal });
  expect(response.status).toBe(200);
  // Nobody reads: the socket's buffers fill, and the pages stop.
  const stalled = await pagesOnceStopped();
  // Pages of ~1 MB: what is buffered between the two ends is a few pages, not the stream.
  expect(stalled).toBeLessThan(20);
  // Reading resumes them.
  const reader = response.body!.getReader();
  for (let read = 0; read < 200; read += 1) await reader.read();
  await pollUntil(() => pagesRun > stalled, 'more pages');
  aborted.abort();
  await reader.read().catch(() => undefined);
  await pollUntil(() => lastSocket!.destroyed, 'the server to see the client leave');
  // The page in flight when the client left may finish; then nothing more runs.
  const atLeave = pagesRun;
  expect((await pagesOnceStopped()) - atLeave).toBeLessThanOrEqual(1);
});

it('is described in the OpenAPI document: its query parameters, NDJSON lines and JSON errors', () => {
  const document = buildOpenApiDocument([], [numbers]) as any;
  const operation = document.paths['/api/v1/numbers'].get;
  expect(operation.operationId).toBe('Numbers');
  expect(operation.parameters.map((parameter: any) => [parameter.name, parameter.in])).toEqual([
    ['fail_at', 'query'],
    ['pages', 'query'],
  ]);
  expect(Object.keys(operation.responses['200'].content)).toEqual(['application/x-ndjson']);
  expect(operation.responses['200'].content['application/x-ndjson'].schema).toMatchObject({
    type: 'object',
    properties: { n: { type: 'number' }, padding: { type: 'string' } },
  });
  expect(operation.responses['403'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
  expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400', '403', '500', '503']));
});
