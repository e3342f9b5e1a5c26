import { z, type ZodRawShape, type ZodType } from 'zod';
import { listBody, pageVariables, presentList } from './paging';
import { defineRoute, type GraphData, idParam, pagingQuery, type RestInput, type RestRoute } from './rest-route';

/**
 * The shapes of route that the table repeats, each written once. A route built here still names
 * its own document, presenter, answer and failure statuses; the factory fills in only what every
 * route of its shape has in common (method, parameters, variables, success status).
 */

/** What a factory asks of each route: the rest is the same for every route of its shape. */
export interface RouteParts {
  /** `token` unless given. */
  auth?: RestRoute['auth'];
  document: string;
  present(data: GraphData): unknown;
  response: ZodType;
  errors: number[];
}

/** `GET <path>` with no input: a document without variables (reference data, the token's own user). */
export function plainGetRoute(name: string, path: string, { auth = 'token', ...parts }: RouteParts): RestRoute {
  return defineRoute({ name, method: 'GET', path, auth, ...parts, variables: () => ({}), status: 200 });
}

/** `<method> <path>` on one resource named by `:id`: a document taking `$id`, answering 200. */
export function byIdRoute(
  name: string,
  method: 'GET' | 'DELETE',
  path: string,
  { auth = 'token', ...parts }: RouteParts,
): RestRoute {
  return defineRoute({
    name,
    method,
    path,
    auth,
    params: idParam(),
    ...parts,
    variables: ({ params }) => ({ id: String(params.id) }),
    status: 200,
  });
}

/** A paged list's query: `page`, `per_page` and its own filters. */
type PagedQuery<F extends ZodRawShape> = z.infer<typeof pagingQuery> & z.infer<z.ZodObject<F>>;

/**
 * `GET <path>?page=&per_page=&<filters>`: a connection read a page at a time, answered as
 * `{ <plural>: [...], meta }` (see `paging.ts`).
 */
export function pagedListRoute<F extends ZodRawShape>(
  name: string,
  path: string,
  parts: {
    /** The query fields besides `page` and `per_page`. */
    filters: F;
    document: string;
    /** The document's variables besides `first` and `after`. */
    filterVariables(query: PagedQuery<F>): Record<string, unknown>;
    /**
     * The document's connection field (selected with `connectionOf`), the legacy key of the list,
     * and the presenter and schema of one of its items.
     */
    items: { connection: string; key: string; present(node: GraphData): unknown; schema: ZodType };
    errors: number[];
  },
): RestRoute {
  const { items } = parts;
  const paged = (input: RestInput) => input.query as PagedQuery<F>;
  return defineRoute({
    name,
    method: 'GET',
    path,
    auth: 'token',
    query: pagingQuery.extend(parts.filters),
    document: parts.document,
    variables: (input) => ({ ...pageVariables(paged(input)), ...parts.filterVariables(paged(input)) }),
    present: (data, input) => presentList(items.key, data[items.connection], items.present, paged(input)),
    status: 200,
    response: listBody(items.key, items.schema),
    errors: parts.errors,
  });
}
