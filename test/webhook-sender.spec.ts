import { randomBytes } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import { createServer, get, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { sendWebhook, type DeliveryOutcome, type SendOptions, type WebhookMessage } from '../src/modules/webhook/webhook-sender';
import {
  assertPublicTarget,
  checkWebhookUrl,
  guardedLookup,
  isPublicAddress,
  TARGET_REFUSED,
  type TargetRules,
} from '../src/modules/webhook/webhook-target';
import { DomainError } from '../src/shared/errors';

const PRIVATE_ALLOWED: TargetRules = { allowPrivateTargets: true };
const PUBLIC_ONLY: TargetRules = { allowPrivateTargets: false };

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

interface Received {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  url: string;
  received: Received[];
}

const servers: Server[] = [];

/** A loopback receiver that records every request, then answers with `answer`. */
async function receiver(answer: (res: ServerResponse, req: IncomingMessage) => void): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(res, req);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        }),
    ),
  );
});

const message = (body: object = { type: 'user.created', data: { id: 7 } }): WebhookMessage => ({
  id: `evt_${randomBytes(6).toString('hex')}`,
  timestamp: new Date(),
  body: JSON.stringify(body),
});

const options = (overrides: Partial<SendOptions> = {}): SendOptions => ({
  secrets: [newSecret()],
  timeoutMs: 5_000,
  rules: PRIVATE_ALLOWED,
  ...overrides,
});

const asHeaders = (headers: IncomingHttpHeaders) => headers as Record<string, string>;

describe('sendWebhook', () => {
  it('delivers a signed POST that a Standard Webhooks receiver verifies', async () => {
    const secret = newSecret();
    const target = await receiver((res) => res.writeHead(204).end());
    const sent = message();

    const outcome = await sendWebhook(target.url, sent, options({ secrets: [secret] }));

    expect(outcome).toMatchObject({ ok: true, statusCode: 204, error: null, responseBody: '' });
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(0);
    const [delivery] = target.received;
    expect(delivery.method).toBe('POST');
    expect(delivery.body).toBe(sent.body);
    expect(delivery.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': sent.id,
      'webhook-timestamp': String(Math.floor(sent.timestamp.getTime() / 1000)),
      'user-agent': 'Leadsy-Webhooks/1',
    });
    expect(new Webhook(secret).verify(delivery.body, asHeaders(delivery.headers))).toEqual(JSON.parse(sent.body));
  });

  it('signs with both secrets during a rotation, each verifying on its own', async () => {
    const [oldSecret, newOne] = [newSecret(), newSecret()];
    const target = await receiver((res) => res.writeHead(200).end('ok'));

    const outcome = await sendWebhook(target.url, message(), options({ secrets: [oldSecret, newOne], userAgent: 'Test/2' }));

    expect(outcome).toMatchObject({ ok: true, statusCode: 200, responseBody: 'ok' });
    const [delivery] = target.received;
    expect((delivery.headers['webhook-signature'] as string).split(' ')).toEqual([
      expect.stringMatching(/^v1,/),
      expect.stringMatching(/^v1,/),
    ]);
    expect(delivery.headers['user-agent']).toBe('Test/2');
    for (const secret of [oldSecret, newOne]) {
      expect(() => new Webhook(secret).verify(delivery.body, asHeaders(delivery.headers))).not.toThrow();
    }
    expect(() => new Webhook(newSecret()).verify(delivery.body, asHeaders(delivery.headers))).toThrow();
  });

  it('reports a 5xx answer as a failure with its status', async () => {
    const target = await receiver((res) => res.writeHead(500).end('boom'));

    const outcome = await sendWebhook(target.url, message(), options());

    expect(outcome).toMatchObject({ ok: false, statusCode: 500, responseBody: 'boom', error: 'HTTP 500' });
  });

  it('does not follow a redirect', async () => {
    const elsewhere = await receiver((res) => res.writeHead(200).end());
    const target = await receiver((res) => res.writeHead(302, { location: elsewhere.url }).end());

    const outcome = await sendWebhook(target.url, message(), options());

    expect(outcome).toMatchObject({ ok: false, statusCode: 302, error: 'redirect to another location is not followed (302)' });
    expect(target.received).toHaveLength(1);
    expect(elsewhere.received).toHaveLength(0);
  });

  it('keeps 1 KiB of a long answer', async () => {
    const target = await receiver((res) => res.writeHead(400).end('x'.repeat(5_000)));

    const outcome = await sendWebhook(target.url, message(), options());

    expect(outcome).toMatchObject({ ok: false, statusCode: 400, responseBody: 'x'.repeat(1024) });
  });

  it('cuts a long answer after the last whole UTF-8 character', async () => {
    // 3 bytes each: 1024 bytes end one byte into the 342nd euro sign.
    const target = await receiver((res) => res.writeHead(200).end('€'.repeat(1_000)));

    const outcome = await sendWebhook(target.url, message(), options());

    expect(outcome.responseBody).toBe('€'.repeat(341));
    expect(Buffer.byteLength(outcome.responseBody ?? '')).toBe(1023);
  });

  it('stops reading once 1 KiB has arrived, without waiting for the end of the answer', async () => {
    const target = await receiver((res) => {
      res.writeHead(200);
      res.write('y'.repeat(2_048));
    });

    const outcome = await sendWebhook(target.url, message(), options({ timeoutMs: 3_000 }));

    expect(outcome).toMatchObject({ ok: true, statusCode: 200, error: null, responseBody: 'y'.repeat(1024) });
    expect(outcome.latencyMs).toBeLessThan(2_000);
  });

  it('gives up on a receiver that never answers after timeoutMs', async () => {
    const target = await receiver(() => undefined);
    const started = Date.now();

    const outcome = await sendWebhook(target.url, message(), options({ timeoutMs: 300 }));

    expect(outcome).toEqual<DeliveryOutcome>({
      ok: false,
      statusCode: null,
      latencyMs: expect.any(Number),
      responseBody: null,
      error: 'timeout after 300 ms',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(target.received).toHaveLength(1);
  });

  it('keeps what arrived of a 2xx answer whose body stalls past timeoutMs', async () => {
    const target = await receiver((res) => {
      res.writeHead(202);
      res.write('accepted');
    });

    const outcome = await sendWebhook(target.url, message(), options({ timeoutMs: 300 }));

    expect(outcome).toMatchObject({ ok: true, statusCode: 202, responseBody: 'accepted', error: null });
    expect(outcome.latencyMs).toBeLessThan(1_500);
  });

  it('reports a refused connection', async () => {
    const port = await closedPort();

    const outcome = await sendWebhook(`http://127.0.0.1:${port}/hook`, message(), options());

    expect(outcome).toMatchObject({ ok: false, statusCode: null, responseBody: null, error: 'connection refused' });
  });

  it('refuses a private IP literal without connecting', async () => {
    const target = await receiver((res) => res.writeHead(200).end());
    const port = new URL(target.url).port;

    const outcome = await sendWebhook(`https://127.0.0.1:${port}/hook`, message(), options({ rules: PUBLIC_ONLY }));

    expect(outcome).toMatchObject({ ok: false, statusCode: null, responseBody: null });
    expect(outcome.error).toMatch(/^target refused: /);
    expect(target.received).toHaveLength(0);
  });

  it('re-checks a stored URL against the current rules', async () => {
    const target = await receiver((res) => res.writeHead(200).end());

    const outcome = await sendWebhook(target.url, message(), options({ rules: PUBLIC_ONLY }));

    expect(outcome).toMatchObject({ ok: false, error: 'target refused: must use https' });
    expect(target.received).toHaveLength(0);
  });

  it('never puts a secret in the outcome', async () => {
    const secret = newSecret();
    const target = await receiver((res) => res.writeHead(401).end());

    const outcome = await sendWebhook(target.url, message(), options({ secrets: [secret] }));

    expect(JSON.stringify(outcome)).not.toContain(secret.slice('whsec_'.length));
  });
});

describe('checkWebhookUrl', () => {
  it.each([
    'http://example.com/hook',
    'https://127.0.0.1/',
    'https://[::1]/',
    'https://169.254.169.254/latest/meta-data',
    'https://10.0.0.1/',
    'https://192.168.1.1',
    'https://100.100.100.200',
    'https://[fd00:ec2::254]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:a9fe:a9fe]/',
    'https://2130706433/',
    'https://0/',
    'https://localhost/',
    'https://LOCALHOST./',
    'https://api.localhost/',
    'https://user:pw@example.com/',
    'https://example.com/hook#part',
    'https://example.com/hook#',
    'ftp://x',
    'not a url',
  ])('refuses %s', (raw) => {
    let thrown: unknown;
    try {
      checkWebhookUrl(raw, PUBLIC_ONLY);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect(thrown).toMatchObject({ code: 'BAD_USER_INPUT', details: [{ field: 'url', message: expect.any(String) }] });
  });

  it('refuses a URL longer than 2048 characters', () => {
    expect(() => checkWebhookUrl(`https://example.com/${'a'.repeat(2_048)}`, PUBLIC_ONLY)).toThrow(DomainError);
  });

  it('accepts a public https URL and returns it parsed', () => {
    const url = checkWebhookUrl('https://example.com/hook?tenant=1', PUBLIC_ONLY);

    expect(url).toBeInstanceOf(URL);
    expect(url.href).toBe('https://example.com/hook?tenant=1');
  });

  it('accepts plain http and private hosts only when private targets are allowed', () => {
    expect(checkWebhookUrl('http://127.0.0.1:8080/hook', PRIVATE_ALLOWED).port).toBe('8080');
    expect(checkWebhookUrl('http://localhost/hook', PRIVATE_ALLOWED).hostname).toBe('localhost');
    expect(() => checkWebhookUrl('ftp://x', PRIVATE_ALLOWED)).toThrow(DomainError);
    expect(() => checkWebhookUrl('http://user:pw@localhost/', PRIVATE_ALLOWED)).toThrow(DomainError);
  });
});

describe('isPublicAddress', () => {
  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111'])('accepts %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each([
    'fd00:ec2::254',
    '::ffff:169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::',
    'fe80::1',
    'ff02::1',
    '255.255.255.255',
    '::127.0.0.1',
    '198.18.0.1',
    'not an address',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });
});

describe('assertPublicTarget', () => {
  const refusal = { code: 'BAD_USER_INPUT', details: [{ field: 'url', message: expect.any(String) }] };

  it('refuses a name resolving to loopback', async () => {
    await expect(assertPublicTarget(new URL('https://localhost/'), PUBLIC_ONLY)).rejects.toMatchObject(refusal);
  });

  it('refuses a name that does not resolve', async () => {
    await expect(assertPublicTarget(new URL('https://nonexistent.invalid/'), PUBLIC_ONLY)).rejects.toMatchObject(refusal);
  });

  it('refuses a private IP literal', async () => {
    await expect(assertPublicTarget(new URL('https://[fd00:ec2::254]/'), PUBLIC_ONLY)).rejects.toMatchObject(refusal);
  });

  it('is skipped when private targets are allowed', async () => {
    await expect(assertPublicTarget(new URL('https://nonexistent.invalid/'), PRIVATE_ALLOWED)).resolves.toBeUndefined();
  });
});

describe('guardedLookup', () => {
  const lookUp = (rules: TargetRules, all: boolean) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }>((resolve) =>
      guardedLookup(rules)('localhost', { all }, (error, address, family) => resolve({ error, address, family })),
    );

  it.each([true, false])('refuses localhost (all: %s)', async (all) => {
    const { error } = await lookUp(PUBLIC_ONLY, all);

    expect(error).toMatchObject({ code: TARGET_REFUSED });
  });

  it('answers with every address when all is true', async () => {
    const { error, address } = await lookUp(PRIVATE_ALLOWED, true);

    expect(error).toBeNull();
    expect(address).toEqual(expect.arrayContaining([{ address: expect.any(String), family: expect.any(Number) }]));
  });

  it('answers with one address and its family when all is false', async () => {
    const { error, address, family } = await lookUp(PRIVATE_ALLOWED, false);

    expect(error).toBeNull();
    expect(typeof address).toBe('string');
    expect([4, 6]).toContain(family);
  });

  it('stops an http request before it connects', async () => {
    const target = await receiver((res) => res.writeHead(200).end());
    const port = Number(new URL(target.url).port);

    const error = await new Promise<NodeJS.ErrnoException>((resolve) =>
      get({ host: 'localhost', port, agent: false, lookup: guardedLookup(PUBLIC_ONLY) }).on('error', resolve),
    );

    expect(error.code).toBe(TARGET_REFUSED);
    expect(target.received).toHaveLength(0);
  });
});
