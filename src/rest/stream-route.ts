import { z, type ZodObject, type ZodType } from 'zod';
import type { GraphData, RestInput } from './rest-route';

const EMPTY = z.object({});
type Shape = ZodObject;

/** A page of a stream: the objects to write, one JSON line each, and the cursor of the next page (null after the last). */
export interface StreamPage {
  items: unknown[];
  after: string | null;
}

/**
 * A route whose answer is a stream: `application/x-ndjson`, one JSON object per line, as long as
 * the data goes, in constant memory. Like every REST route it only runs a GraphQL document, here
 * once per page: the document takes the cursor `$after` (null for the first page), each page is
 * written as soon as it arrives and the next is asked for once the client has taken it (the
 * socket drained). The document runs with the request's credentials for every page, so the graph
 * decides what each page may hold. Failures before the first line answer as the JSON routes do.
 */
export interface StreamRoute<Q extends Shape = Shape> {
  kind: 'stream';
  name: string;
  /** What the OpenAPI document says of the stream besides the summary. */
  description: string;
  method: 'GET';
  /** Express path below /api/v1. */
  path: string;
  auth: 'public' | 'token';
  document: string;
  params: Shape;
  query: Q;
  body: Shape;
  /** The variables of the page after `after` (null: the first page). May throw a DomainError. */
  variables(input: RestInput<Shape, Q, Shape>, after: string | null): Record<string, unknown>;
  /** The lines of one page and the cursor of the next. */
  page(data: GraphData): StreamPage;
  mediaType: 'application/x-ndjson';
  /** One line, for the OpenAPI document. */
  item: ZodType;
  /** The failure statuses besides 400, 500 and 503 (answered as JSON, before the first line). */
  errors: number[];
  /** As `RestRoute.fieldNames`: the legacy names of the graph's fields in error details. */
  fieldNames?: Record<string, string>;
}

type StreamRouteSpec<Q extends Shape> = Omit<StreamRoute<Q>, 'kind' | 'params' | 'body' | 'mediaType'>;

export function defineStreamRoute<Q extends Shape>(spec: StreamRouteSpec<Q>): StreamRoute {
  return { ...spec, kind: 'stream', params: EMPTY, body: EMPTY, mediaType: 'application/x-ndjson' } as unknown as StreamRoute;
}

export function isStreamRoute(route: object): route is StreamRoute {
  return (route as { kind?: unknown }).kind === 'stream';
}
