import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { mailsTo, waitForMails } from './helpers/outbox';
import { useTestWorld } from './helpers/setup';
import { withOneDatabase } from './helpers/one-database';
import { buildWorld } from './helpers/fixtures';
import { pollUntil } from './helpers/wait';

const CREATE = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id url eventTypes enabled consecutiveFailures } } }`;
const UPDATE_USER = `mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }`;
const DELIVERIES = `query($id: ID!) { webhookDeliveries(endpointId: $id, first: 100) {
  id eventId eventType attempt status final responseStatus latencyMs error responseBody } }`;
const ENDPOINT = `query($id: ID!) { webhookEndpoint(id: $id) { id enabled disabledReason consecutiveFailures } }`;
const ROTATE = `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { previousSecretExpiresAt } } }`;
const REDELIVER = `mutation($id: ID!) { redeliverEvent(id: $id) }`;
const ENABLE = `mutation($id: ID!) { enableWebhookEndpoint(id: $id) { enabled consecutiveFailures } }`;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on loopback: answers each request with the next status of `statuses` (then 200), and keeps what it got. */
async function startReceiver(statuses: number[] = []): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const queue = [...statuses];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = queue.shift() ?? 200;
      res.end(res.statusCode < 300 ? 'thanks' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Renames in a row: their deliveries must arrive in the same order. */
const NAMES = ['One', 'Two', 'Three', 'Four', 'Five', 'Six', 'Seven', 'Eight', 'Nine', 'Ten'];

const FAST_RETRIES = {
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  WEBHOOK_RETRY_DELAY_SECONDS: '1',
  WEBHOOK_MAX_ATTEMPTS: '3',
  WEBHOOK_DISABLE_AFTER_FAILURES: '5',
  JOB_POLL_SECONDS: '0.5',
};

describe('webhooks', () => {
  const { app, world } = useTestWorld(FAST_RETRIES);

  async function register(url: string, eventTypes = ['user.updated']): Promise<{ id: string; secret: string }> {
    const { body } = await app.graphql(
      CREATE,
      { input: { companyId: String(world.companies.acme), url, eventTypes, description: 'test receiver' } },
      world.token('acmeAdmin'),
    );
    expect(body.errors).toBeUndefined();
    const { secret, endpoint } = body.data.createWebhookEndpoint;
    expect(secret).toMatch(/^whsec_/);
    return { id: endpoint.id, secret };
  }

  const rename = (userId: number, firstName: string) =>
    app.graphql(UPDATE_USER, { id: String(userId), input: { firstName } }, world.token('acmeAdmin'));

  const deliveries = async (id: string) =>
    (await app.graphql(DELIVERIES, { id }, world.token('acmeAdmin'))).body.data.webhookDeliveries;

  it('delivers events of the company tree, signed so that standardwebhooks verifies them, in order', async () => {
    const receiver = await startReceiver();
    try {
      const { id, secret } = await register(receiver.url);
      // Renames in a company below Acme, and one outside its tree (Globex): only the former are delivered.
      for (const name of NAMES) expect((await rename(world.users.labMember.id, name)).body.errors).toBeUndefined();
      await app.graphql(
        UPDATE_USER,
        { id: String(world.users.westMember.id), input: { firstName: 'Away' } },
        world.token('superAdmin'),
      );
      await pollUntil(() => receiver.received.length >= NAMES.length, 'a delivery per rename');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.received).toHaveLength(NAMES.length);

      const verifier = new Webhook(secret);
      const messages = receiver.received.map(
        ({ headers, body }) => verifier.verify(body, headers as Record<string, string>) as any,
      );
      expect(messages.map((message) => message.data.firstName)).toEqual(NAMES);
      expect(messages[0]).toMatchObject({ type: 'user.updated', data: { id: String(world.users.labMember.id) } });
      expect(receiver.received[0].headers['webhook-id']).toBe(messages[0].id);
      expect(() =>
        new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(
          receiver.received[0].body,
          receiver.received[0].headers as any,
        ),
      ).toThrow();

      const log = await deliveries(id);
      expect(log).toHaveLength(NAMES.length);
      expect(log[0]).toMatchObject({
        eventType: 'user.updated',
        attempt: 1,
        status: 'SUCCEEDED',
        final: true,
        responseStatus: 200,
        responseBody: 'thanks',
      });
    } finally {
      await receiver.close();
    }
  });

  it('retries a failing receiver with backoff until it recovers, and logs every attempt', async () => {
    const receiver = await startReceiver([500, 503]);
    try {
      const { id } = await register(receiver.url);
      await rename(world.users.eastMember.id, 'Retried');
      await pollUntil(() => receiver.received.length >= 3, 'the third attempt', { timeoutMs: 20_000 });
      const ids = new Set(receiver.received.map(({ headers }) => headers['webhook-id']));
      expect(ids.size).toBe(1);
      const log = await pollUntil(async () => {
        const entries = await deliveries(id);
        return entries.length === 3 && entries;
      }, 'three log entries');
      expect(log.map((entry: any) => [entry.attempt, entry.status, entry.responseStatus, entry.final])).toEqual([
        [3, 'SUCCEEDED', 200, true],
        [2, 'FAILED', 503, false],
        [1, 'FAILED', 500, false],
      ]);
      const endpoint = (await app.graphql(ENDPOINT, { id }, world.token('acmeAdmin'))).body.data.webhookEndpoint;
      expect(endpoint).toMatchObject({ enabled: true, consecutiveFailures: 0 });
    } finally {
      await receiver.close();
    }
  });

  it('sends an event held behind a failing one once that one has used up its attempts, as its own first attempt', async () => {
    const receiver = await startReceiver([500, 500, 500]);
    try {
      const { id } = await register(receiver.url);
      for (const name of ['Blocked', 'Behind']) await rename(world.users.eastMember.id, name);
      await pollUntil(() => receiver.received.length >= 4, 'the held event', { timeoutMs: 20_000 });
      const names = receiver.received.map(({ body }) => JSON.parse(body).data.firstName);
      expect(names).toEqual(['Blocked', 'Blocked', 'Blocked', 'Behind']);
      const log = await pollUntil(async () => {
        const entries = await deliveries(id);
        return entries.length === 4 && entries;
      }, 'four log entries');
      expect(log.map((entry: any) => [entry.attempt, entry.status, entry.final])).toEqual([
        [1, 'SUCCEEDED', true],
        [3, 'FAILED', true],
        [2, 'FAILED', false],
        [1, 'FAILED', false],
      ]);
    } finally {
      await receiver.close();
    }
  });

  it('disables an endpoint after a run of failures, mails its admins, and redelivers once enabled', async () => {
    const receiver = await startReceiver(Array(20).fill(500));
    try {
      const { id } = await register(receiver.url);
      for (const name of ['F1', 'F2', 'F3']) await rename(world.users.eastMember.id, name);
      const endpoint = await pollUntil(
        async () => {
          const current = (await app.graphql(ENDPOINT, { id }, world.token('acmeAdmin'))).body.data.webhookEndpoint;
          return !current.enabled && current;
        },
        'the endpoint to be disabled',
        { timeoutMs: 20_000 },
      );
      expect(endpoint.disabledReason).toMatch(/after 5 failed attempts in a row/);
      await waitForMails(app.dataDir, world.users.acmeAdmin.email, 1, 10_000);
      expect((await mailsTo(app, world.users.acmeAdmin.email))[0].headers.get('subject')).toMatch(
        /webhook endpoint of Acme was disabled/,
      );

      const attemptsWhenDisabled = receiver.received.length;
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(receiver.received.length).toBe(attemptsWhenDisabled);

      expect((await app.graphql(ENABLE, { id }, world.token('acmeAdmin'))).body.data.enableWebhookEndpoint).toEqual({
        enabled: true,
        consecutiveFailures: 0,
      });
      const [latest] = await deliveries(id);
      // The receiver is fixed: it moved to a URL that answers 200.
      const ok = await startReceiver();
      try {
        await app.orm.em.getConnection().execute('update webhook_endpoints set url = ? where id = ?', [ok.url, Number(id)]);
        expect((await app.graphql(REDELIVER, { id: latest.id }, world.token('acmeAdmin'))).body.data.redeliverEvent).toBe(true);
        // Deliveries that were still waiting when the endpoint was disabled may come too: each once.
        await pollUntil(
          () => ok.received.some(({ headers }) => headers['webhook-id'] === `evt_${latest.eventId}`),
          'the redelivery',
        );
      } finally {
        await ok.close();
      }
    } finally {
      await receiver.close();
    }
  });

  it('signs with both secrets for a while after a rotation', async () => {
    const receiver = await startReceiver();
    try {
      const { id, secret } = await register(receiver.url);
      const rotated = (await app.graphql(ROTATE, { id }, world.token('acmeAdmin'))).body.data.rotateWebhookSecret;

      expect(rotated.secret).not.toBe(secret);
      expect(new Date(rotated.endpoint.previousSecretExpiresAt).getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
      await rename(world.users.eastMember.id, 'Rotated');
      await pollUntil(() => receiver.received.length === 1, 'the delivery');
      const [{ headers, body }] = receiver.received;
      for (const key of [secret, rotated.secret]) expect(() => new Webhook(key).verify(body, headers as any)).not.toThrow();
    } finally {
      await receiver.close();
    }
  });

  it('refuses targets that are not public https unless allowed, and unknown event types', async () => {
    const { body } = await app.graphql(
      CREATE,
      { input: { companyId: String(world.companies.acme), url: 'https://example.com/hook', eventTypes: ['user.exploded'] } },
      world.token('acmeAdmin'),
    );
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0].message).toMatch(/eventTypes has unknown event types/);
  });
});

describe('webhook targets without WEBHOOK_ALLOW_PRIVATE_TARGETS', () => {
  const { app, world } = useTestWorld();

  it.each([
    ['http://example.com/hook', /https/],
    ['https://127.0.0.1/hook', /private, loopback or link-local|localhost/],
    ['https://169.254.169.254/latest/meta-data', /private, loopback or link-local/],
    ['https://localhost/hook', /localhost/],
    ['https://user:pw@example.com/hook', /./],
  ])('refuses %s', async (url, message) => {
    const { body } = await app.graphql(
      CREATE,
      { input: { companyId: String(world.companies.acme), url, eventTypes: ['user.created'] } },
      world.token('acmeAdmin'),
    );
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0].message).toMatch(message);
    const [{ count }] = await app.orm.em.getConnection().execute('select count(*)::int as count from webhook_endpoints');
    expect(count).toBe(0);
  });
});

describe('webhooks across two gateway processes', () => {
  it('delivers each event once when it is committed through either process', async () => {
    const receiver = await startReceiver();
    try {
      await withOneDatabase(FAST_RETRIES, async (database) => {
        if (!database.onServer) return; // the embedded database belongs to one process: the tests above cover it
        const first = await database.start();
        const second = await database.start();
        const world = await buildWorld(first);
        const { body } = await first.graphql(
          CREATE,
          { input: { companyId: String(world.companies.acme), url: receiver.url, eventTypes: ['user.updated'] } },
          world.token('acmeAdmin'),
        );
        expect(body.errors).toBeUndefined();
        for (const [index, gateway] of [first, second, first, second].entries()) {
          await gateway.graphql(
            UPDATE_USER,
            { id: String(world.users.eastMember.id), input: { firstName: `P${index}` } },
            world.token('acmeAdmin'),
          );
        }
        await pollUntil(() => receiver.received.length >= 4, 'four deliveries');
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(new Set(receiver.received.map(({ headers }) => headers['webhook-id'])).size).toBe(4);
        expect(receiver.received).toHaveLength(4);
      });
    } finally {
      await receiver.close();
    }
  });
});
