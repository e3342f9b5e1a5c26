import type { Actor } from '../helpers/fixtures';
import { expectErrorBody, expectShape, type Shape } from './contract-shapes';
import { describeRoute } from './describe-route';
import { restClient, useContractWorld } from './contract-app';

// The receivers named here are on the loopback address, where nothing listens.
const { app, world } = useContractWorld({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });

const call = restClient(app, world);
let serial = 0;

const WEBHOOK: Shape = {
  id: 'number',
  company_id: 'number',
  url: 'string',
  description: 'string',
  event_types: 'string[]',
  enabled: 'boolean',
  disabled_at: 'time|null',
  disabled_reason: 'string|null',
  consecutive_failures: 'number',
  previous_secret_expires_at: 'time|null',
  created_at: 'time',
  updated_at: 'time',
};

const DELIVERY: Shape = {
  id: 'number',
  endpoint_id: 'number',
  event_id: 'number',
  event_type: 'string',
  attempt: 'number',
  status: 'string',
  final: 'boolean',
  response_status: 'number|null',
  latency_ms: 'number',
  error: 'string|null',
  response_body: 'string|null',
  created_at: 'time',
};

/** Who is refused an operation on a webhook of Acme East, with the status and code each one gets. */
const REFUSED: [Actor, number, string][] = [
  ['eastMember', 403, 'FORBIDDEN'],
  ['eastManager', 403, 'FORBIDDEN'],
  ['globexAdmin', 404, 'NOT_FOUND'],
  ['anonymous', 401, 'UNAUTHENTICATED'],
];

const UNKNOWN_ID = 999999;
const url = () => `http://127.0.0.1:9/hook-${++serial}`;

/** Registers an endpoint of Acme East through the REST route, as the admin of Acme unless told. */
async function createWebhook(fields: Record<string, unknown> = {}, caller: Actor = 'acmeAdmin') {
  return call('POST', '/webhooks', caller, {
    company_id: world.companies.acmeEast,
    url: url(),
    event_types: ['user.created'],
    description: 'CRM sync',
    ...fields,
  });
}

async function createdId(fields: Record<string, unknown> = {}): Promise<number> {
  const { status, body } = await createWebhook(fields);
  expect(status).toBe(201);
  return body.webhook.id;
}

const row = async (id: number) =>
  (await app.orm.em.getConnection().execute('select * from webhook_endpoints where id = ?', [id]))[0];

/** A failed delivery in the endpoint's log, of an event made for it (already handed on, so the relay leaves it). */
async function insertDelivery(endpointId: number): Promise<number> {
  const connection = app.orm.em.getConnection();
  const [event] = await connection.execute(
    `insert into domain_events (type, company_id, payload, webhooks_dispatched_at)
      values ('user.created', ?, '{}'::jsonb, now()) returning id`,
    [world.companies.acmeEast],
  );
  const [delivery] = await connection.execute(
    `insert into webhook_deliveries (endpoint_id, event_id, attempt, succeeded, final, response_status, latency_ms, error)
      values (?, ?, 1, false, true, 500, 12, 'answered 500') returning id`,
    [endpointId, event.id],
  );
  return delivery.id;
}

function expectFieldError(result: { status: number; body: any }, field: string): void {
  expect(result.status).toBe(400);
  expectErrorBody(result.body, 'BAD_USER_INPUT');
  expect(result.body.error.details).toContainEqual({ field, message: expect.any(String) });
}

describeRoute('POST', '/webhooks', () => {
  it('answers 201 {webhook, secret}: the secret once, never in the endpoint, unknown keys ignored', async () => {
    const target = url();
    const { status, body } = await createWebhook({
      url: target,
      event_types: ['user.created', 'user.updated'],
      secret: 'whsec_chosen-by-the-client',
      consecutive_failures: 7,
    });
    expect(status).toBe(201);
    expect(Object.keys(body).sort()).toEqual(['secret', 'webhook']);
    expectShape(body.webhook, WEBHOOK);
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(body.webhook).toMatchObject({
      company_id: world.companies.acmeEast,
      url: target,
      description: 'CRM sync',
      event_types: ['user.created', 'user.updated'],
      enabled: true,
      disabled_at: null,
      consecutive_failures: 0,
    });
    expect(JSON.stringify(body.webhook)).not.toContain('whsec_');
    expect((await row(body.webhook.id)).secret).toBe(body.secret);
  });

  it('takes the body wrapped in webhook, as Rails sends it', async () => {
    const { status, body } = await call('POST', '/webhooks', 'acmeAdmin', {
      webhook: { company_id: world.companies.acmeEast, url: url(), event_types: ['company.created'] },
    });
    expect(status).toBe(201);
    expect(body.webhook).toMatchObject({ event_types: ['company.created'], description: '' });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a URL that is no URL', { url: 'not a url' }, 'url'],
    ['a URL of another scheme', { url: 'ftp://127.0.0.1/hook' }, 'url'],
    ['an unknown event type', { event_types: ['user.exploded'] }, 'event_types'],
    ['no event type', { event_types: [] }, 'event_types'],
    ['event types that are no list', { event_types: 'user.created' }, 'event_types'],
    ['a missing company_id', { company_id: undefined }, 'company_id'],
    ['a description over 500 characters', { description: 'x'.repeat(501) }, 'description'],
  ])('answers 400 for %s, naming the field, and writes nothing', async (_case, fields, field) => {
    const target = url();
    expectFieldError(await createWebhook({ url: target, ...fields }), field);
    expect(await app.orm.em.getConnection().execute('select id from webhook_endpoints where url = ?', [target])).toEqual([]);
  });

  it.each(REFUSED)('refuses %s with %i and writes nothing', async (caller, expected, code) => {
    const target = url();
    const { status, body } = await createWebhook({ url: target }, caller);
    expect(status).toBe(expected);
    expectErrorBody(body, code);
    expect(await app.orm.em.getConnection().execute('select id from webhook_endpoints where url = ?', [target])).toEqual([]);
  });

  it('answers 404 for a company that does not exist', async () => {
    const { status, body } = await createWebhook({ company_id: UNKNOWN_ID }, 'superAdmin');
    expect(status).toBe(404);
    expectErrorBody(body, 'NOT_FOUND');
  });
});

describeRoute('GET', '/webhooks', () => {
  it("answers 200 {webhooks} with the company's own endpoints, newest first, never a secret", async () => {
    const first = (await createWebhook({ company_id: world.companies.acmeEastLab })).body;
    const second = (await createWebhook({ company_id: world.companies.acmeEastLab })).body;

    const { status, body } = await call('GET', `/webhooks?company_id=${world.companies.acmeEastLab}`, 'acmeAdmin');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['webhooks']);
    body.webhooks.forEach((webhook: unknown) => expectShape(webhook, WEBHOOK));
    expect(body.webhooks.map((webhook: { id: number }) => webhook.id)).toEqual([second.webhook.id, first.webhook.id]);
    expect(JSON.stringify(body)).not.toContain('whsec_');
  });

  it('answers 400 without a company_id', async () => {
    const { status, body } = await call('GET', '/webhooks', 'acmeAdmin');
    expect(status).toBe(400);
    expect(body.error.details).toEqual([{ field: 'company_id', message: expect.any(String) }]);
  });

  it.each(REFUSED)('refuses %s with %i', async (caller, expected, code) => {
    const { status, body } = await call('GET', `/webhooks?company_id=${world.companies.acmeEast}`, caller);
    expect(status).toBe(expected);
    expectErrorBody(body, code);
  });

  it('answers 404 for a company that does not exist', async () => {
    const { status, body } = await call('GET', `/webhooks?company_id=${UNKNOWN_ID}`, 'superAdmin');
    expect(status).toBe(404);
    expectErrorBody(body, 'NOT_FOUND');
  });
});

describeRoute('GET', '/webhooks/:id', () => {
  it('answers 200 {webhook}', async () => {
    const id = await createdId();
    const { status, body } = await call('GET', `/webhooks/${id}`, 'acmeAdmin');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['webhook']);
    expectShape(body.webhook, WEBHOOK);
    expect(body.webhook.id).toBe(id);
  });

  it.each(REFUSED)('refuses %s with %i', async (caller, expected, code) => {
    const { status, body } = await call('GET', `/webhooks/${await createdId()}`, caller);
    expect(status).toBe(expected);
    expectErrorBody(body, code);
  });

  it('answers 404 for an endpoint that does not exist', async () => {
    const { status, body } = await call('GET', `/webhooks/${UNKNOWN_ID}`, 'superAdmin');
    expect(status).toBe(404);
    expectErrorBody(body, 'NOT_FOUND');
  });
});

/** The cases of an update, the same for PUT and PATCH. */
function updateCases(method: 'PUT' | 'PATCH'): void {
  it('answers 200 {webhook} with the fields given changed, the others kept', async () => {
    const id = await createdId();
    const target = url();
    const { status, body } = await call(method, `/webhooks/${id}`, 'acmeAdmin', {
      url: target,
      event_types: ['invitation.created'],
    });
    expect(status).toBe(200);
    expectShape(body.webhook, WEBHOOK);
    expect(body.webhook).toMatchObject({ id, url: target, event_types: ['invitation.created'], description: 'CRM sync' });
  });

  it('takes the body wrapped in webhook, as Rails sends it', async () => {
    const id = await createdId();
    const { status, body } = await call(method, `/webhooks/${id}`, 'acmeAdmin', { webhook: { description: 'Wrapped' } });
    expect(status).toBe(200);
    expect(body.webhook.description).toBe('Wrapped');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a URL that is no URL', { url: 'not a url' }, 'url'],
    ['an unknown event type', { event_types: ['user.exploded'] }, 'event_types'],
  ])('answers 400 for %s, naming the field, and changes nothing', async (_case, fields, field) => {
    const id = await createdId();
    const before = await row(id);
    expectFieldError(await call(method, `/webhooks/${id}`, 'acmeAdmin', fields), field);
    expect(await row(id)).toEqual(before);
  });

  it.each(REFUSED)('refuses %s with %i and changes nothing', async (caller, expected, code) => {
    const id = await createdId();
    const before = await row(id);
    const { status, body } = await call(method, `/webhooks/${id}`, caller, { url: url() });
    expect(status).toBe(expected);
    expectErrorBody(body, code);
    expect(await row(id)).toEqual(before);
  });

  it('answers 404 for an endpoint that does not exist', async () => {
    const { status, body } = await call(method, `/webhooks/${UNKNOWN_ID}`, 'superAdmin', { url: url() });
    expect(status).toBe(404);
    expectErrorBody(body, 'NOT_FOUND');
  });
}

describeRoute('PUT', '/webhooks/:id', () => updateCases('PUT'));
describeRoute('PATCH', '/webhooks/:id', () => updateCases('PATCH'));

describeRoute('DELETE', '/webhooks/:id', () => {
  it('answers 200 {success: true}, and the endpoint is gone with its log', async () => {
    const id = await createdId();
    await insertDelivery(id);
    const { status, body } = await call('DELETE', `/webhooks/${id}`, 'acmeAdmin');
    expect(status).toBe(200);
    expect(body).toEqual({ success: true });
    expect(await row(id)).toBeUndefined();
    expect((await call('GET', `/webhooks/${id}`, 'acmeAdmin')).status).toBe(404);
  });

  it.each(REFUSED)('refuses %s with %i and deletes nothing', async (caller, expected, code) => {
    const id = await createdId();
    const { status, body } = await call('DELETE', `/webhooks/${id}`, caller);
    expect(status).toBe(expected);
    expectErrorBody(body, code);
    expect(await row(id)).toBeDefined();
  });

  it('answers 404 for an endpoint that does not exist', async () => {
    const { status, body } = await call('DELETE', `/webhooks/${UNKNOWN_ID}`, 'superAdmin');
    expect(status).toBe(404);
    expectErrorBody(body, 'NOT_FOUND');
  });
});

describeRoute('POST', '/webhooks/:id/disable', () => {
  it('answers 200 {webhook} disabled; again: unchanged', async () => {
    const id = await createdId();
    const { status, body } = await call('POST', `/webhooks/${id}/disable`, 'acmeAdmin');
    expect(status).toBe(200);
    expectShape(body.webhook, WEBHOOK);
    expect(body.webhook).toMatchObject({
      id,
      enabled: false,
      disabled_at: expect.any(String),
      disabled_reason: expect.any(String),
    });
    const again = await call('POST', `/webhooks/${id}/disable`, 'acmeAdmin');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(body);
  });

  it.each(REFUSED)('refuses %s with %i and disables nothing', async (caller, expected, code) => {
    const id = await createdId();
    const { status, body } = await call('POST', `/webhooks/${id}/disable`, caller);
    expect(status).toBe(expected);
    expectErrorBody(body, code);
    expect((await row(id)).disabled_at).toBeNull();
  });

  it('answers 404 for an endpoint that does not exist', async () => {
    const { status, body } = await call('POST', `/webhooks/${UNKNOWN_ID}/disable`, 'superAdmin');
    expect(status).toBe(404);
    expectErrorBody(body, 'NOT_FOUND');
  });
});

describeRoute('POST', '/webhooks/:id/enable', () => {
  async function disabledId(): Promise<number> {
    const id = await createdId();
    expect((await call('POST', `/webhooks/${id}/disable`, 'acmeAdmin')).status).toBe(200);
    return id;
  }

  it('answers 200 {webhook} enabled again; again: unchanged', async () => {
    const id = await disabledId();
    const { status, body } = await call('POST', `/webhooks/${id}/enable`, 'acmeAdmin');
    expect(status).toBe(200);
    expectShape(body.webhook, WEBHOOK);
    expect(body.webhook).toMatchObject({ id, enabled: true, disabled_at: null, disabled_reason: null, consecutive_failures: 0 });
    const again = await call('POST', `/webhooks/${id}/enable`, 'acmeAdmin');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(body);
  });

  it.each(REFUSED)('refuses %s with %i and enables nothing', async (caller, expected, code) => {
    const id = await disabledId();
    const { status, body } = await call('POST', `/webhooks/${id}/enable`, caller);
    expect(status).toBe(expected);
    expectErrorBody(body, code);
    expect((await row(id)).disabled_at).not.toBeNull();
  });

  it('answers 404 for an endpoint that does not exist', async () => {
    const { status, body } = await call('POST', `/webhooks/${UNKNOWN_ID}/enable`, 'superAdmin');
    expect(status).toBe(404);
    expectErrorBody(body, 'NOT_FOUND');
  });
});

describeRoute('POST', '/webhooks/:id/rotate_secret', () => {
  it('answers 200 {webhook, secret}: a new secret, the previous one signing for a while', async () => {
    const { webhook, secret } = (await createWebhook()).body;
    const { status, body } = await call('POST', `/webhooks/${webhook.id}/rotate_secret`, 'acmeAdmin');
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['secret', 'webhook']);
    expectShape(body.webhook, WEBHOOK);
    expect(body.secret).toMatch(/^whsec_/);
    expect(body.secret).not.toBe(secret);
    expect(body.webhook.previous_secret_expires_at).toEqual(expect.any(String));
    expect(await row(webhook.id)).toMatchObject({ secret: body.secret, previous_secret: secret });
  });

  it.each(REFUSED)('refuses %s with %i and rotates nothing', async (caller, expected, code) => {
    const { webhook, secret } = (await createWebhook()).body;
    const { status, body } = await call('POST', `/webhooks/${webhook.id}/rotate_secret`, caller);
    expect(status).toBe(expected);
    expectErrorBody(body, code);
    expect((await row(webhook.id)).secret).toBe(secret);
  });

  it('answers 404 for an endpoint that does not exist', async () => {
    const { status, body } = await call('POST', `/webhooks/${UNKNOWN_ID}/rotate_secret`, 'superAdmin');
    expect(status).toBe(404);
    expectErrorBody(body, 'NOT_FOUND');
  });
});

describeRoute('GET', '/webhooks/:id/deliveries', () => {
  it('answers 200 {deliveries}, newest first, paged back with first and before', async () => {
    const id = await createdId();
    const older = await insertDelivery(id);
    const newer = await insertDelivery(id);
    const { status, body } = await call('GET', `/webhooks/${id}/deliveries`, 'acmeAdmin');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['deliveries']);
    body.deliveries.forEach((delivery: unknown) => expectShape(delivery, DELIVERY));
    expect(body.deliveries.map((delivery: { id: number }) => delivery.id)).toEqual([newer, older]);
    expect(body.deliveries[0]).toMatchObject({
      endpoint_id: id,
      event_type: 'user.created',
      attempt: 1,
      status: 'failed',
      final: true,
      response_status: 500,
    });

    const page = await call('GET', `/webhooks/${id}/deliveries?first=1&before=${newer}`, 'acmeAdmin');
    expect(page.status).toBe(200);
    expect(page.body.deliveries.map((delivery: { id: number }) => delivery.id)).toEqual([older]);
  });

  it.each(['first=0', 'first=101', 'first=ten'])('answers 400 for %s, naming the field', async (query) => {
    const id = await createdId();
    const { status, body } = await call('GET', `/webhooks/${id}/deliveries?${query}`, 'acmeAdmin');
    expect(status).toBe(400);
    expect(body.error.details).toEqual([{ field: 'first', message: expect.any(String) }]);
  });

  it.each(REFUSED)('refuses %s with %i', async (caller, expected, code) => {
    const { status, body } = await call('GET', `/webhooks/${await createdId()}/deliveries`, caller);
    expect(status).toBe(expected);
    expectErrorBody(body, code);
  });

  it('answers 404 for an endpoint that does not exist', async () => {
    const { status, body } = await call('GET', `/webhooks/${UNKNOWN_ID}/deliveries`, 'superAdmin');
    expect(status).toBe(404);
    expectErrorBody(body, 'NOT_FOUND');
  });
});

describeRoute('POST', '/webhook_deliveries/:id/redeliver', () => {
  const auditedRedeliveries = async (endpointId: number) =>
    (
      await app.orm.em
        .getConnection()
        .execute(`select count(*)::int as n from audit_events where action = 'webhook.redeliver' and target_id = ?`, [
          String(endpointId),
        ])
    )[0].n;

  it('answers 202 {success: true} and queues the event again', async () => {
    const id = await createdId();
    const delivery = await insertDelivery(id);
    const { status, body } = await call('POST', `/webhook_deliveries/${delivery}/redeliver`, 'acmeAdmin');
    expect(status).toBe(202);
    expect(body).toEqual({ success: true });
    expect(await auditedRedeliveries(id)).toBe(1);
  });

  it('answers 400 for a delivery of a disabled endpoint, naming the field', async () => {
    const id = await createdId();
    const delivery = await insertDelivery(id);
    await call('POST', `/webhooks/${id}/disable`, 'acmeAdmin');
    expectFieldError(await call('POST', `/webhook_deliveries/${delivery}/redeliver`, 'acmeAdmin'), 'id');
    expect(await auditedRedeliveries(id)).toBe(0);
  });

  it.each(REFUSED)('refuses %s with %i and queues nothing', async (caller, expected, code) => {
    const id = await createdId();
    const delivery = await insertDelivery(id);
    const { status, body } = await call('POST', `/webhook_deliveries/${delivery}/redeliver`, caller);
    expect(status).toBe(expected);
    expectErrorBody(body, code);
    expect(await auditedRedeliveries(id)).toBe(0);
  });

  it('answers 404 for a delivery that does not exist', async () => {
    const { status, body } = await call('POST', `/webhook_deliveries/${UNKNOWN_ID}/redeliver`, 'superAdmin');
    expect(status).toBe(404);
    expectErrorBody(body, 'NOT_FOUND');
  });
});
