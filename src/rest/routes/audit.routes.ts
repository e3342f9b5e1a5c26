import { z } from 'zod';
import { AUDIT_EVENT_FIELDS } from '../fragments';
import { AuditEventJson, CursorPageMetaJson } from '../legacy-objects';
import { presentAuditEvent } from '../presenters';
import { defineRoute, type GraphData } from '../rest-route';
import { defineStreamRoute } from '../stream-route';

/** Rows per page of the export: the largest page the graph serves. */
const EXPORT_PAGE_SIZE = 1000;

const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .describe('an ISO-8601 instant (`2026-01-31T12:00:00Z`, an offset allowed) or a date (`2026-01-31`: its midnight UTC)');

/** The filters of the list and of the export; their rules (lengths, from ≤ to, who may name what) are the graph's. */
const filterQuery = {
  company_id: z.coerce.number().int().positive().optional().describe('events of this company (not of its child companies)'),
  actor_id: z.coerce.number().int().positive().optional().describe('events this person made (not with an API key)'),
  target_type: z.string().optional().describe('the kind of target, e.g. `user` (at most 32 characters)'),
  target_id: z.string().optional().describe("the target's id, e.g. `42` (at most 64 characters)"),
  action: z.string().optional().describe('e.g. `user.update` (at most 64 characters)'),
  from: instant.optional().describe('events at or after this instant (ISO-8601, or a date: its midnight UTC)'),
  to: instant.optional().describe('events before this instant (ISO-8601, or a date: its midnight UTC); not before `from`'),
};
type FilterQuery = z.infer<z.ZodObject<typeof filterQuery>>;

const toInstant = (value: string | undefined) =>
  value === undefined ? undefined : value.length === 10 ? `${value}T00:00:00.000Z` : value;

function filterVariables(query: FilterQuery) {
  return {
    filter: {
      companyId: query.company_id?.toString(),
      actorId: query.actor_id?.toString(),
      targetType: query.target_type,
      targetId: query.target_id,
      action: query.action,
      from: toInstant(query.from),
      to: toInstant(query.to),
    },
  };
}

/** The graph's names of the filter's fields, in error details, as the client sent them. */
const FIELD_NAMES = {
  'filter.companyId': 'company_id',
  'filter.actorId': 'actor_id',
  'filter.targetType': 'target_type',
  'filter.targetId': 'target_id',
  'filter.action': 'action',
  'filter.from': 'from',
  'filter.to': 'to',
  first: 'limit',
  after: 'cursor',
};

const listQuery = z.object({
  ...filterQuery,
  limit: z.coerce.number().int().min(1).max(EXPORT_PAGE_SIZE).default(100).describe('page size, 1..1000'),
  cursor: z.string().optional().describe('`meta.next_cursor` of the page before'),
});

const PAGE_FIELDS = `edges { node { ...LegacyAuditEvent } } pageInfo { hasNextPage endCursor }`;
const nextCursor = (connection: GraphData): string | null =>
  connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;

export const auditRoutes = [
  defineRoute({
    name: 'List audit events',
    method: 'GET',
    path: '/audit_events',
    auth: 'token',
    query: listQuery,
    document: `query ListAuditEvents($first: Int, $after: String, $filter: AuditEventFilter) {
      auditEvents(first: $first, after: $after, filter: $filter) { ${PAGE_FIELDS} }
    } ${AUDIT_EVENT_FIELDS}`,
    variables: ({ query }) => ({ first: query.limit, after: query.cursor ?? null, ...filterVariables(query) }),
    present: ({ auditEvents }, { query }) => ({
      audit_events: auditEvents.edges.map((edge: GraphData) => presentAuditEvent(edge.node)),
      meta: { limit: query.limit, next_cursor: nextCursor(auditEvents) },
    }),
    status: 200,
    response: z.object({ audit_events: z.array(AuditEventJson), meta: CursorPageMetaJson }),
    // 403: an admin nowhere, or company_id names a company where the caller is not admin; 404: a company or actor it cannot see.
    errors: [401, 403, 404],
    fieldNames: FIELD_NAMES,
  }),
];

/** Routes whose answer is a stream (see `stream-route.ts`). */
export const auditStreamRoutes = [
  defineStreamRoute({
    name: 'Export audit events',
    description:
      'Every audit event the caller may read that meets the filters, oldest first, as NDJSON (one AuditEvent per ' +
      'line), streamed as it is read: the same authority and filters as GET /api/v1/audit_events.',
    method: 'GET',
    path: '/audit_events/export',
    auth: 'token',
    query: z.object(filterQuery),
    document: `query ExportAuditEvents($first: Int!, $after: String, $filter: AuditEventFilter) {
      auditEvents(first: $first, after: $after, filter: $filter, order: OLDEST_FIRST) { ${PAGE_FIELDS} }
    } ${AUDIT_EVENT_FIELDS}`,
    variables: ({ query }, after) => ({ first: EXPORT_PAGE_SIZE, after, ...filterVariables(query) }),
    page: ({ auditEvents }) => ({
      items: auditEvents.edges.map((edge: GraphData) => presentAuditEvent(edge.node)),
      after: nextCursor(auditEvents),
    }),
    item: AuditEventJson,
    errors: [401, 403, 404],
    fieldNames: FIELD_NAMES,
  }),
];
