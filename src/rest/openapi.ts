import { z, type ZodObject, type ZodType } from 'zod';
import type { RestRoute } from './rest-route';
import { isStreamRoute, type StreamRoute } from './stream-route';

/**
 * Statuses any route can answer: invalid input, an API key over its rate (RATE_LIMIT_PER_API_KEY),
 * an unexpected fault, the database being down.
 */
const COMMON_ERRORS = [400, 429, 500, 503];
/** What every route that reads a JSON body can answer about the body itself. */
const BODY_ERRORS = [413, 415];
/** Statuses that always come with a Retry-After header. */
const RETRY_LATER = new Set([429, 503]);
const RETRY_AFTER = {
  description: 'seconds to wait before trying again',
  required: true,
  schema: { type: 'integer', minimum: 1 },
};
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'BAD_USER_INPUT: malformed JSON or failed validation',
  401: 'UNAUTHENTICATED: missing, invalid or expired token',
  403: 'FORBIDDEN: visible, but the caller may not change it',
  404: 'NOT_FOUND: missing, or outside the caller’s companies',
  405: 'method not allowed on this path',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE: a body over 100 kB (7 MB where a file is sent), or a file over 5 MiB',
  415: 'UNSUPPORTED_MEDIA_TYPE: a body that is not UTF-8 JSON, or a file of a type not accepted',
  429: 'RATE_LIMITED: too many attempts, or requests with this API key (see Retry-After)',
  500: 'INTERNAL_SERVER_ERROR (message masked)',
  503: 'SERVICE_UNAVAILABLE: database down or gateway busy (see Retry-After)',
};

type JsonSchema = Record<string, unknown>;

/**
 * The OpenAPI 3.1 document of `/api/v1`, generated from the route table and the zod schemas of
 * the legacy objects (never written by hand, so it cannot drift from what the routes do).
 */
export function buildOpenApiDocument(routes: RestRoute[], streamRoutes: StreamRoute[] = []): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of [...routes, ...streamRoutes]) {
    const path = `/api/v1${route.path.replace(/:(\w+)/g, '{$1}')}`;
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = isStreamRoute(route) ? streamOperation(route) : operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Leadsy API v1',
      version: '1.0.0',
      // OpenAPI 3.1 validators want an SPDX expression (or a URL); SPDX names an unlisted license LicenseRef-…
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
      description:
        'The legacy REST routes of the Leadsy gateway. Each runs an operation of the GraphQL graph at /graphql. ' +
        'Errors are `{"error": {"code", "message", "details"?}}`. As in Rails, every PUT route also answers PATCH, ' +
        'and the routes that create or update a resource also take their body wrapped in its key (`{"user": {...}}`).',
    },
    // Relative: the document is served by the gateway it describes, whatever its host name.
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'From POST /api/v1/users/login. Legacy clients may send the bare token without "Bearer ".',
        },
      },
    },
  };
}

function operation(route: RestRoute): Record<string, unknown> {
  const hasBody = Object.keys(route.body.shape).length > 0;
  const statuses = [...new Set([...route.errors, ...COMMON_ERRORS, ...(hasBody ? BODY_ERRORS : [])])].sort();
  const operationName = /(?:query|mutation)\s+(\w+)/.exec(route.document)![1];
  return {
    // The PATCH alias of a PUT route runs the same operation, but an operationId names one method of one path.
    operationId: route.method === 'PATCH' ? `${operationName}ByPatch` : operationName,
    summary: route.name,
    ...(route.method === 'PATCH' ? { description: 'The same as PUT on this path.' } : {}),
    tags: [route.path.split('/')[1]],
    security: route.auth === 'token' ? [{ bearerAuth: [] }] : [],
    parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
    ...(hasBody ? { requestBody: requestBody(route) } : {}),
    responses: {
      ...Object.fromEntries(
        successStatuses(route).map((status) => [
          status,
          { description: 'success', content: { 'application/json': { schema: toSchema(route.response, 'output') } } },
        ]),
      ),
      ...errorResponses(statuses),
    },
  };
}

/**
 * A stream route: its success is a sequence of JSON objects, one per line (NDJSON). OpenAPI 3.1
 * has no keyword for the schema of each item of a sequential media type (3.2's `itemSchema`), so
 * `schema` describes one line, as the description says; its failures are the JSON errors.
 */
function streamOperation(route: StreamRoute): Record<string, unknown> {
  const statuses = [...new Set([...route.errors, ...COMMON_ERRORS])].sort();
  return {
    operationId: /query\s+(\w+)/.exec(route.document)![1],
    summary: route.name,
    description: route.description,
    tags: [route.path.split('/')[1]],
    security: route.auth === 'token' ? [{ bearerAuth: [] }] : [],
    parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
    responses: {
      200: {
        description:
          `success: a stream of ${route.mediaType}, one JSON object per line (the schema is that of one line), ` +
          'sent as it is read. A failure after the first line cuts the connection: the body then does not end properly.',
        content: { [route.mediaType]: { schema: toSchema(route.item, 'output') } },
      },
      ...errorResponses(statuses),
    },
  };
}

function errorResponses(statuses: number[]): Record<string, unknown> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: ERROR_DESCRIPTIONS[status],
        ...(RETRY_LATER.has(status) ? { headers: { 'Retry-After': RETRY_AFTER } } : {}),
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    ]),
  );
}

/** Required unless an empty body is valid (the avatar removals, for one, may take their id from the query). */
function requestBody(route: RestRoute): Record<string, unknown> {
  const fields = toSchema(route.body, 'input');
  const key = route.resourceKey;
  return {
    required: !route.body.safeParse({}).success,
    ...(key
      ? {
          description:
            `The fields, or the same wrapped in \`{"${key}": {...}}\` as Rails clients send them. ` +
            `When "${key}" is there, only its object is read and the keys beside it are ignored.`,
        }
      : {}),
    content: {
      'application/json': {
        schema: key ? { anyOf: [fields, { type: 'object', properties: { [key]: fields }, required: [key] }] } : fields,
      },
    },
  };
}

function successStatuses(route: RestRoute): number[] {
  return typeof route.status === 'function' ? (route.successStatuses ?? []) : [route.status];
}

function parameters(shape: ZodObject, location: 'path' | 'query') {
  const schema = toSchema(shape, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (schema.required ?? []).includes(name),
    ...(property.description ? { description: property.description } : {}),
    schema: property,
  }));
}

/** A route's schema with the shared objects replaced by references to the components. */
function toSchema(schema: ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _, $defs: __, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io }) as JsonSchema;
  return openObjects(JSON.parse(JSON.stringify(rest).replaceAll('#/$defs/', '#/components/schemas/')));
}

function componentSchemas(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
  }) as {
    schemas: Record<string, JsonSchema>;
  };
  return Object.fromEntries(
    Object.entries(schemas).map(([name, { $id: _, $schema: __, ...schema }]) => [name, openObjects(schema)]),
  );
}

/** Legacy objects may gain keys ("more keys are allowed, never fewer"): drop `additionalProperties: false`. */
function openObjects<T>(value: T): T {
  if (Array.isArray(value)) return value.map(openObjects) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key, child]) => !(key === 'additionalProperties' && child === false))
        .map(([key, child]) => [key, openObjects(child)]),
    ) as T;
  }
  return value;
}
