import { z } from 'zod';
import { rowId, webhookDescription, webhookUrl } from '../field-rule-schemas';
import { byIdRoute } from '../route-factories';
import { defineRoute, type GraphData, idParam } from '../rest-route';

/**
 * Webhook endpoints and their delivery logs: for admins of the endpoint's company, as the graph's
 * `webhook.manage` rule says. The secret is only in the answers that create or rotate it.
 */

const id = z.number().int().positive();
const time = z.iso.datetime().describe('ISO-8601 UTC');
const nullableTime = time.nullable();
const companyId = rowId();

const WEBHOOK_ENDPOINT_FIELDS = `fragment LegacyWebhookEndpoint on WebhookEndpoint {
  id url description eventTypes enabled disabledAt disabledReason consecutiveFailures previousSecretExpiresAt
  createdAt updatedAt company { id }
}`;

const WEBHOOK_DELIVERY_FIELDS = `fragment LegacyWebhookDelivery on WebhookDelivery {
  id eventId eventType attempt status final responseStatus latencyMs error responseBody createdAt
}`;

export const WebhookEndpointJson = z
  .object({
    id,
    company_id: id,
    url: z.string(),
    description: z.string(),
    event_types: z.array(z.string()).describe('the domain event types delivered, e.g. `user.created`'),
    enabled: z.boolean().describe('false once disabled, by an admin or after a run of failed attempts'),
    disabled_at: nullableTime,
    disabled_reason: z.string().nullable(),
    consecutive_failures: z.number().int().min(0).describe('failed attempts since the last successful one'),
    previous_secret_expires_at: nullableTime.describe('until then, deliveries are signed with the previous secret too'),
    created_at: time,
    updated_at: time,
  })
  .meta({
    id: 'WebhookEndpoint',
    description: 'Where the domain events of a company tree are POSTed, signed the Standard Webhooks way.',
  });
export type WebhookEndpointJson = z.infer<typeof WebhookEndpointJson>;

export const WebhookDeliveryJson = z
  .object({
    id,
    endpoint_id: id,
    event_id: id.describe('`webhook-id` is `evt_<event_id>`, the same on every attempt'),
    event_type: z.string(),
    attempt: z.number().int().min(1),
    status: z.enum(['succeeded', 'failed']),
    final: z.boolean().describe('false when a retry follows this failed attempt'),
    response_status: z.number().int().nullable(),
    latency_ms: z.number().int(),
    error: z.string().nullable(),
    response_body: z.string().nullable().describe('the first KiB of the answer'),
    created_at: time,
  })
  .meta({ id: 'WebhookDelivery', description: 'One attempt to deliver one event to an endpoint: the delivery log.' });
export type WebhookDeliveryJson = z.infer<typeof WebhookDeliveryJson>;

const SECRET = z.string().describe('`whsec_…`, shown only in this answer: receivers verify `webhook-signature` with it');

export function presentWebhookEndpoint(endpoint: GraphData): WebhookEndpointJson {
  return {
    id: Number(endpoint.id),
    company_id: Number(endpoint.company.id),
    url: endpoint.url,
    description: endpoint.description,
    event_types: endpoint.eventTypes,
    enabled: endpoint.enabled,
    disabled_at: endpoint.disabledAt,
    disabled_reason: endpoint.disabledReason,
    consecutive_failures: endpoint.consecutiveFailures,
    previous_secret_expires_at: endpoint.previousSecretExpiresAt,
    created_at: endpoint.createdAt,
    updated_at: endpoint.updatedAt,
  };
}

function presentWebhookDelivery(endpointId: number) {
  return (delivery: GraphData): WebhookDeliveryJson => ({
    id: Number(delivery.id),
    endpoint_id: endpointId,
    event_id: Number(delivery.eventId),
    event_type: delivery.eventType,
    attempt: delivery.attempt,
    status: delivery.status === 'SUCCEEDED' ? 'succeeded' : 'failed',
    final: delivery.final,
    response_status: delivery.responseStatus,
    latency_ms: delivery.latencyMs,
    error: delivery.error,
    response_body: delivery.responseBody,
    created_at: delivery.createdAt,
  });
}

const eventTypes = z
  .array(z.string())
  .describe('at least one domain event type, e.g. `user.created` (an unknown one is refused, naming the known ones)');
const url = webhookUrl().describe('https (plain http and private addresses only where WEBHOOK_ALLOW_PRIVATE_TARGETS is set)');
const description = webhookDescription().nullable().optional().describe('up to 500 characters');

const endpointAnswer = z.object({ webhook: WebhookEndpointJson });
const presentEndpointOf = (field: string) => (data: GraphData) => ({ webhook: presentWebhookEndpoint(data[field]) });

/** `POST /webhooks/:id/<action>`: a mutation taking `$id` and answering the endpoint. */
function endpointActionRoute(name: string, action: string, mutation: string): ReturnType<typeof defineRoute> {
  const operation = mutation.charAt(0).toUpperCase() + mutation.slice(1);
  return defineRoute({
    name,
    method: 'POST',
    path: `/webhooks/:id/${action}`,
    auth: 'token',
    params: idParam(),
    document: `mutation ${operation}($id: ID!) { ${mutation}(id: $id) { ...LegacyWebhookEndpoint } } ${WEBHOOK_ENDPOINT_FIELDS}`,
    variables: ({ params }) => ({ id: String(params.id) }),
    present: presentEndpointOf(mutation),
    status: 200,
    response: endpointAnswer,
    errors: [401, 403, 404],
  });
}

export const webhookRoutes = [
  defineRoute({
    name: 'Register a webhook endpoint',
    method: 'POST',
    path: '/webhooks',
    auth: 'token',
    resourceKey: 'webhook',
    body: z.object({
      company_id: companyId.describe('events of this company and of every company below it are delivered'),
      url,
      event_types: eventTypes,
      description,
    }),
    document: `mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
      createWebhookEndpoint(input: $input) { secret endpoint { ...LegacyWebhookEndpoint } }
    } ${WEBHOOK_ENDPOINT_FIELDS}`,
    variables: ({ body }) => ({
      input: {
        companyId: String(body.company_id),
        url: body.url,
        eventTypes: body.event_types,
        description: body.description,
      },
    }),
    present: ({ createWebhookEndpoint }) => ({
      webhook: presentWebhookEndpoint(createWebhookEndpoint.endpoint),
      secret: createWebhookEndpoint.secret,
    }),
    status: 201,
    response: z.object({ webhook: WebhookEndpointJson, secret: SECRET }),
    errors: [401, 403, 404],
  }),
  defineRoute({
    name: "List a company's webhook endpoints",
    method: 'GET',
    path: '/webhooks',
    auth: 'token',
    query: z.object({ company_id: companyId }),
    document: `query ListWebhookEndpoints($companyId: ID!) {
      webhookEndpoints(companyId: $companyId) { ...LegacyWebhookEndpoint }
    } ${WEBHOOK_ENDPOINT_FIELDS}`,
    variables: ({ query }) => ({ companyId: String(query.company_id) }),
    present: ({ webhookEndpoints }) => ({ webhooks: (webhookEndpoints as GraphData[]).map(presentWebhookEndpoint) }),
    status: 200,
    response: z.object({
      webhooks: z.array(WebhookEndpointJson).describe('the endpoints of this company (not of those below), newest first'),
    }),
    errors: [401, 403, 404],
  }),
  byIdRoute('Show a webhook endpoint', 'GET', '/webhooks/:id', {
    document: `query ShowWebhookEndpoint($id: ID!) { webhookEndpoint(id: $id) { ...LegacyWebhookEndpoint } } ${WEBHOOK_ENDPOINT_FIELDS}`,
    present: presentEndpointOf('webhookEndpoint'),
    response: endpointAnswer,
    errors: [401, 403, 404],
  }),
  defineRoute({
    name: 'Change a webhook endpoint',
    method: 'PUT',
    path: '/webhooks/:id',
    auth: 'token',
    resourceKey: 'webhook',
    params: idParam(),
    body: z.object({ url: url.nullable().optional(), event_types: eventTypes.nullable().optional(), description }),
    document: `mutation UpdateWebhookEndpoint($id: ID!, $input: UpdateWebhookEndpointInput!) {
      updateWebhookEndpoint(id: $id, input: $input) { ...LegacyWebhookEndpoint }
    } ${WEBHOOK_ENDPOINT_FIELDS}`,
    variables: ({ params, body }) => ({
      id: String(params.id),
      input: { url: body.url, eventTypes: body.event_types, description: body.description },
    }),
    present: presentEndpointOf('updateWebhookEndpoint'),
    status: 200,
    response: endpointAnswer,
    errors: [401, 403, 404],
  }),
  byIdRoute('Delete a webhook endpoint', 'DELETE', '/webhooks/:id', {
    document: 'mutation DeleteWebhookEndpoint($id: ID!) { deleteWebhookEndpoint(id: $id) }',
    present: () => ({ success: true }),
    response: z.object({ success: z.literal(true) }),
    errors: [401, 403, 404],
  }),
  endpointActionRoute('Disable a webhook endpoint', 'disable', 'disableWebhookEndpoint'),
  endpointActionRoute('Enable a webhook endpoint', 'enable', 'enableWebhookEndpoint'),
  defineRoute({
    name: "Rotate a webhook endpoint's secret",
    method: 'POST',
    path: '/webhooks/:id/rotate_secret',
    auth: 'token',
    params: idParam(),
    document: `mutation RotateWebhookSecret($id: ID!) {
      rotateWebhookSecret(id: $id) { secret endpoint { ...LegacyWebhookEndpoint } }
    } ${WEBHOOK_ENDPOINT_FIELDS}`,
    variables: ({ params }) => ({ id: String(params.id) }),
    present: ({ rotateWebhookSecret }) => ({
      webhook: presentWebhookEndpoint(rotateWebhookSecret.endpoint),
      secret: rotateWebhookSecret.secret,
    }),
    status: 200,
    response: z.object({
      webhook: WebhookEndpointJson,
      secret: SECRET.describe('`whsec_…`, shown only in this answer; the previous secret keeps signing too for 24 hours'),
    }),
    errors: [401, 403, 404],
  }),
  defineRoute({
    name: "List a webhook endpoint's deliveries",
    method: 'GET',
    path: '/webhooks/:id/deliveries',
    auth: 'token',
    params: idParam(),
    query: z.object({
      first: z.coerce.number().int().min(1).max(100).default(50).describe('1 to 100'),
      before: z.coerce.number().int().positive().optional().describe('only entries older than this delivery (paging back)'),
    }),
    document: `query ListWebhookDeliveries($endpointId: ID!, $first: Int!, $before: ID) {
      webhookDeliveries(endpointId: $endpointId, first: $first, before: $before) { ...LegacyWebhookDelivery }
    } ${WEBHOOK_DELIVERY_FIELDS}`,
    variables: ({ params, query }) => ({
      endpointId: String(params.id),
      first: query.first,
      before: query.before === undefined ? null : String(query.before),
    }),
    present: ({ webhookDeliveries }, { params }) => ({
      deliveries: (webhookDeliveries as GraphData[]).map(presentWebhookDelivery(params.id as number)),
    }),
    status: 200,
    response: z.object({ deliveries: z.array(WebhookDeliveryJson).describe('one entry per attempt, newest first') }),
    fieldNames: { endpointId: 'id' },
    errors: [401, 403, 404],
  }),
  defineRoute({
    name: 'Redeliver the event of a webhook delivery',
    method: 'POST',
    path: '/webhook_deliveries/:id/redeliver',
    auth: 'token',
    params: idParam(),
    document: 'mutation RedeliverEvent($id: ID!) { redeliverEvent(id: $id) }',
    variables: ({ params }) => ({ id: String(params.id) }),
    present: () => ({ success: true }),
    status: 202,
    response: z.object({ success: z.literal(true).describe('the event is queued as a new delivery, with its own retries') }),
    errors: [401, 403, 404],
  }),
];
