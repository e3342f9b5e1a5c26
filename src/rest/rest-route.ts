import { z, type ZodObject, type ZodType } from 'zod';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type SuccessStatus = 200 | 201 | 202;

/**
 * What a route's fixed document returns. Its shape is the document's selection, checked against the
 * schema at start-up, so presenters read it without a generated type per document.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type GraphData = Record<string, any>;

const EMPTY = z.object({});
type Shape = ZodObject;

export interface RestInput<P extends Shape = Shape, Q extends Shape = Shape, B extends Shape = Shape> {
  params: z.infer<P>;
  query: z.infer<Q>;
  body: z.infer<B>;
}

/**
 * One row of the REST table: a legacy route, the named GraphQL operation it runs, how the request
 * becomes variables, how the result becomes the legacy JSON, and what it answers. The schemas of
 * `params`, `query` and `body` coerce shapes (strings to numbers, unknown keys dropped); the rules
 * are the graph's, and a body field that follows one applies the same rule (`field-rule-schemas.ts`)
 * so that a body's problems are reported together.
 */
export interface RestRoute<P extends Shape = Shape, Q extends Shape = Shape, B extends Shape = Shape> {
  /** The documentation's own name of the route. */
  name: string;
  method: HttpMethod;
  /** Express path below /api/v1, e.g. `/users/:id`. */
  path: string;
  /** Documents whether a token is needed; the graph enforces it. */
  auth: 'public' | 'token';
  document: string;
  params: P;
  query: Q;
  body: B;
  /** May throw a DomainError (e.g. BAD_USER_INPUT) for input the schemas cannot express. */
  variables(input: RestInput<P, Q, B>): Record<string, unknown>;
  /** Which operation of the document to run, when it holds several (one route, two behaviours). */
  operationName?(input: RestInput<P, Q, B>): string;
  /** May throw NOT_FOUND for a null result. */
  present(data: GraphData, input: RestInput<P, Q, B>): unknown;
  status: SuccessStatus | ((input: RestInput<P, Q, B>) => SuccessStatus);
  /** Every success status, when `status` depends on the input (for the OpenAPI document). */
  successStatuses?: SuccessStatus[];
  /** The success body, for the OpenAPI document. */
  response: ZodType;
  /** The failure statuses this route can answer besides the ones every route can (400, 500, 503). */
  errors: number[];
  /**
   * The graph's field names whose legacy key is not simply their snake_case (`isDefault` is sent as
   * `default`), so that error `details` name what the client sent.
   */
  fieldNames?: Record<string, string>;
  /** Accepts a base64 file of up to 5 MiB in the body instead of the 100 kB default. */
  largeBody?: boolean;
  /**
   * On a route that creates or updates a resource, the key a Rails client may wrap the body in, as
   * Rails' wrap_parameters does (`{"user": {...}}`): the controller's model, e.g. `user` or `import_file`.
   */
  resourceKey?: string;
}

type RouteSpec<P extends Shape, Q extends Shape, B extends Shape> = Omit<RestRoute<P, Q, B>, 'params' | 'query' | 'body'> & {
  params?: P;
  query?: Q;
  body?: B;
};

export function defineRoute<P extends Shape = typeof EMPTY, Q extends Shape = typeof EMPTY, B extends Shape = typeof EMPTY>(
  spec: RouteSpec<P, Q, B>,
): RestRoute {
  return { ...spec, params: spec.params ?? EMPTY, query: spec.query ?? EMPTY, body: spec.body ?? EMPTY } as unknown as RestRoute;
}

/** Rails routes PATCH to the update action as well as PUT: each PUT route also answers PATCH, identically. */
export function withPatchAliases(routes: RestRoute[]): RestRoute[] {
  return routes.flatMap((route) => (route.method === 'PUT' ? [route, { ...route, method: 'PATCH' as const }] : [route]));
}

/** Path, query and body fields shared by many routes. */
export const idParam = (name = 'id') => z.object({ [name]: z.coerce.number().int().positive() });

export const pagingQuery = z.object({
  page: z.coerce.number().int().min(1).default(1).describe('1-based page number'),
  per_page: z.coerce.number().int().min(1).max(100).default(25).describe('page size, 1..100'),
});
