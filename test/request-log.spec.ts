import { connect } from 'node:net';
import { createLogger } from '../src/shared/logger';
import { useTestApp } from './helpers/setup';

/** The access log as the running app writes it: one JSON line per request, read from its stream. */
const lines: Record<string, unknown>[] = [];
const requestLines = () => lines.filter((line) => line.msg === 'request');
const logger = createLogger('info', { write: (line: string) => lines.push(JSON.parse(line)) });

const app = useTestApp({}, { logger });
beforeEach(() => {
  lines.length = 0;
});

/** The line is written when the response finishes, which may be just after the client has it. */
async function lineFor(requestId: string): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const line = requestLines().find((candidate) => candidate.requestId === requestId);
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no access-log line for ${requestId}`);
}

describe('the access log', () => {
  it('writes one line per request: method, path without its query, status, duration, client; never a credential', async () => {
    const result = await app.request('POST', '/api/v1/users/login?token=query-secret-0001', {
      body: { email: 'nobody@example.test', password: 'body-secret-password-0001' },
      headers: { authorization: 'Bearer header-secret-0001', 'x-request-id': 'access-log-0001' },
    });
    expect(result.status).toBe(401);
    expect(result.headers.get('x-request-id')).toBe('access-log-0001');

    const line = await lineFor('access-log-0001');
    expect(line).toMatchObject({
      level: 30,
      service: 'leadsy-gateway',
      method: 'POST',
      path: '/api/v1/users/login',
      status: 401,
      clientIp: expect.stringMatching(/127\.0\.0\.1/),
    });
    expect(line.durationMs).toEqual(expect.any(Number));
    expect(line).not.toHaveProperty('aborted');
    expect(requestLines()).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toMatch(/secret/);
  });

  it('gives a request without a well-formed X-Request-Id a new one, in the header and the line', async () => {
    const result = await app.request('POST', '/graphql', {
      body: { query: '{ __typename }' },
      headers: { 'x-request-id': 'bad id' },
    });
    const id = result.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await lineFor(id)).toMatchObject({ method: 'POST', path: '/graphql', status: 200 });
  });

  it('leaves out the health checks that probes call every few seconds', async () => {
    expect((await app.request('GET', '/healthz')).status).toBe(200);
    expect((await app.request('GET', '/readyz')).status).toBe(200);
    const marker = await app.request('GET', '/api/v1/no-such-route', { headers: { 'x-request-id': 'access-log-0002' } });
    expect(marker.status).toBe(404);
    await lineFor('access-log-0002');
    expect(requestLines().map((line) => line.path)).toEqual(['/api/v1/no-such-route']);
  });

  it('writes the line of a request whose client left before its body was sent, with its address', async () => {
    const { port } = new URL(app.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      'POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
        'X-Request-Id: access-log-0003\r\nContent-Length: 1000\r\n\r\n{"query":',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    expect(await lineFor('access-log-0003')).toMatchObject({
      method: 'POST',
      path: '/graphql',
      clientIp: expect.stringMatching(/127\.0\.0\.1/),
    });
  });
});
