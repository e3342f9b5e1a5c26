import type { EntityManager } from '@mikro-orm/postgresql';
import { queryPrepared } from '../../db/prepared-statements';
import { WebhookDelivery, WebhookEndpoint } from './webhook.types';

/** The endpoint's columns a client may see (never its secrets), and how long the previous secret still signs. */
const ENDPOINT_COLUMNS = `id, company_id, url, description, event_types, disabled_at, disabled_reason, consecutive_failures,
  case when previous_secret_expires_at > now() then previous_secret_expires_at end as previous_secret_expires_at,
  created_at, updated_at`;

export interface EndpointRow {
  id: number;
  company_id: number;
  url: string;
  description: string;
  event_types: string[];
  disabled_at: Date | string | null;
  disabled_reason: string | null;
  consecutive_failures: number;
  previous_secret_expires_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

/** The driver hands timestamps over as text on this path. */
const dateOrNull = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

export function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return Object.assign(new WebhookEndpoint(), {
    id: row.id,
    companyId: row.company_id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types,
    enabled: row.disabled_at === null,
    disabledAt: dateOrNull(row.disabled_at),
    disabledReason: row.disabled_reason,
    consecutiveFailures: row.consecutive_failures,
    previousSecretExpiresAt: dateOrNull(row.previous_secret_expires_at),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  });
}

export async function findEndpoint(em: EntityManager, id: number): Promise<WebhookEndpoint | null> {
  const [row] = await queryPrepared<EndpointRow>(em, `select ${ENDPOINT_COLUMNS} from webhook_endpoints where id = ?`, [id]);
  return row ? toEndpoint(row) : null;
}

export async function endpointsOf(em: EntityManager, companyId: number): Promise<WebhookEndpoint[]> {
  const rows = await queryPrepared<EndpointRow>(
    em,
    `select ${ENDPOINT_COLUMNS} from webhook_endpoints where company_id = ? order by id desc`,
    [companyId],
  );
  return rows.map(toEndpoint);
}

/** Ends a statement writing one endpoint: what `writeEndpoint` reads back. */
export const RETURNING_ENDPOINT = `returning ${ENDPOINT_COLUMNS}`;

/** Runs an insert, update or delete of one endpoint ending with `RETURNING_ENDPOINT`: the endpoint, or null when no row matched. */
export async function writeEndpoint(em: EntityManager, sql: string, values: unknown[]): Promise<WebhookEndpoint | null> {
  const [row] = await queryPrepared<EndpointRow>(em, sql, values);
  return row ? toEndpoint(row) : null;
}

interface DeliveryRow {
  id: number;
  endpoint_id: number;
  event_id: number;
  event_type: string;
  attempt: number;
  succeeded: boolean;
  final: boolean;
  response_status: number | null;
  latency_ms: number;
  error: string | null;
  response_body: string | null;
  created_at: Date | string;
}

const DELIVERY_COLUMNS = `d.id, d.endpoint_id, d.event_id, e.type as event_type, d.attempt, d.succeeded, d.final,
  d.response_status, d.latency_ms, d.error, d.response_body, d.created_at`;

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return Object.assign(new WebhookDelivery(), {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    attempt: row.attempt,
    status: row.succeeded ? 'SUCCEEDED' : 'FAILED',
    final: row.final,
    responseStatus: row.response_status,
    latencyMs: row.latency_ms,
    error: row.error,
    responseBody: row.response_body,
    createdAt: new Date(row.created_at),
  });
}

/** The endpoint's log, newest first; `beforeId` pages further back. */
export async function deliveriesOf(
  em: EntityManager,
  endpointId: number,
  first: number,
  beforeId: number | null,
): Promise<WebhookDelivery[]> {
  const rows = await queryPrepared<DeliveryRow>(
    em,
    `select ${DELIVERY_COLUMNS} from webhook_deliveries d join domain_events e on e.id = d.event_id
      where d.endpoint_id = ? and (?::int is null or d.id < ?::int) order by d.id desc limit ?`,
    [endpointId, beforeId, beforeId, first],
  );
  return rows.map(toDelivery);
}

export async function findDelivery(em: EntityManager, id: number): Promise<WebhookDelivery | null> {
  const [row] = await queryPrepared<DeliveryRow>(
    em,
    `select ${DELIVERY_COLUMNS} from webhook_deliveries d join domain_events e on e.id = d.event_id where d.id = ?`,
    [id],
  );
  return row ? toDelivery(row) : null;
}
