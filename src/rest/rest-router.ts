import express, { type Request, type RequestHandler, type Response, Router } from 'express';
import { type GraphQLFormattedError, type GraphQLSchema, parse, validate } from 'graphql';
import type { ZodObject } from 'zod';
import type { OperationRunner } from '../graphql/operation-runner';
import { type ClassifiedError, classifyError, type ErrorCode, type FieldProblem, sendError } from '../shared/errors';
import { declaresOnlyUtf8 } from '../shared/http/media-types';
import { recordRouteTemplate } from '../shared/http/route-template';
import type { Logger } from '../shared/logger';
import { docsRouter } from './docs-page';
import { buildOpenApiDocument } from './openapi';
import type { RestInput, RestRoute } from './rest-route';
import { RouteMatcher } from './route-matcher';
import { isStreamRoute, type StreamRoute } from './stream-route';

const DEFAULT_BODY_LIMIT = '100kb';
/** A 5 MiB file in base64 (4/3 of it) plus the other fields. */
const FILE_BODY_LIMIT = '7mb';

/**
 * Checks every route's document against the schema: a route whose document no longer validates
 * stops the start-up (and the tests) instead of failing at request time.
 */
export function assertRoutesValid(routes: Pick<RestRoute, 'method' | 'path' | 'document'>[], schema: GraphQLSchema): void {
  for (const route of routes) {
    const errors = validate(schema, parse(route.document));
    if (errors.length) {
      throw new Error(
        `REST route ${route.method} ${route.path} runs an invalid document: ${errors.map((e) => e.message).join('; ')}`,
      );
    }
  }
}

/**
 * `/api/v1`: each route runs its GraphQL operation through Apollo with the same request context;
 * a stream route (`stream-route.ts`) runs its operation once per page and streams the pages.
 */
export function createRestRouter(
  routes: RestRoute[],
  runOperation: OperationRunner,
  logger: Logger,
  streamRoutes: StreamRoute[] = [],
): Router {
  const matcher = new RouteMatcher<RestRoute | StreamRoute>([...routes, ...streamRoutes]);
  const parsers = { small: express.json({ limit: DEFAULT_BODY_LIMIT }), large: express.json({ limit: FILE_BODY_LIMIT }) };
  const router = Router();
  // Made when first asked for: most processes never serve it, and it takes a start 35 ms to make.
  let openApiDocument: ReturnType<typeof buildOpenApiDocument> | undefined;
  router.get('/openapi.json', (_req, res) => {
    openApiDocument ??= buildOpenApiDocument(routes, streamRoutes);
    res.json(openApiDocument);
  });
  router.use(docsRouter());

  router.use(async (req, res) => {
    const match = matcher.match(req.method, req.path);
    if (match.kind === 'none')
      return sendError(res, { code: 'NOT_FOUND', message: `no route ${req.method} ${req.baseUrl}${req.path}` });
    if (match.kind === 'wrong-method') {
      res.setHeader('Allow', match.allowed.join(', '));
      return sendError(
        res,
        { code: 'BAD_USER_INPUT', message: `${req.method} is not allowed here; use ${match.allowed.join(' or ')}` },
        405,
      );
    }
    const { route, params } = match;
    recordRouteTemplate(req, `${req.baseUrl}${route.path}`);
    if (isStreamRoute(route)) return streamPages(route, params, req, res, runOperation, logger);
    const bodyProblem = await readJsonBody(req, res, route.largeBody ? parsers.large : parsers.small);
    if (bodyProblem) return sendError(res, bodyProblem);

    const input = parseInput(route, params, req);
    if ('problems' in input)
      return sendError(res, { code: 'BAD_USER_INPUT', message: describe(input.problems), details: input.problems });

    let result: Awaited<ReturnType<OperationRunner>>;
    try {
      result = await runOperation(req, {
        document: route.document,
        operationName: route.operationName?.(input.values),
        variables: () => route.variables(input.values),
      });
    } catch (error) {
      return sendError(res, maskedUnlessKnown(error, logger, req));
    }
    const { data, errors } = result;
    if (errors?.length) return sendError(res, operationFailure(errors, route.fieldNames));
    let presented: unknown;
    try {
      presented = route.present(data as Record<string, unknown>, input.values);
    } catch (error) {
      // A presenter may turn a null result into NOT_FOUND; anything else is a bug and masked.
      return sendError(res, maskedUnlessKnown(error, logger, req));
    }
    res.status(typeof route.status === 'function' ? route.status(input.values) : route.status).json(presented);
  });
  return router;
}

/** The first error of an operation in the contract's terms, its details named as the legacy client names the fields. */
function operationFailure(errors: readonly GraphQLFormattedError[], fieldNames?: Record<string, string>): ClassifiedError {
  const extensions = errors[0].extensions ?? {};
  return {
    code: extensions.code as ErrorCode,
    message: errors[0].message,
    details: (extensions.details as FieldProblem[] | undefined)?.map((problem) => ({
      ...problem,
      field: legacyFieldName(problem.field, fieldNames),
    })),
    retryAfter: extensions.retryAfter as number | undefined,
  };
}

/**
 * Answers a stream route: runs its document page by page, writes each page as NDJSON lines and
 * asks for the next once the socket has drained, so memory holds one page whatever the length of
 * the stream. Until the first page is in, a failure answers as any route's (status and JSON error);
 * after it the status is sent, so a failure is logged and the connection cut (the chunked body
 * never ends properly, which tells the client the stream is incomplete). A client that goes away
 * stops the reading.
 */
async function streamPages(
  route: StreamRoute,
  params: Record<string, string>,
  req: Request,
  res: Response,
  runOperation: OperationRunner,
  logger: Logger,
): Promise<void> {
  const input = parseInput(route, params, req);
  if ('problems' in input)
    return sendError(res, { code: 'BAD_USER_INPUT', message: describe(input.problems), details: input.problems });
  let started = false;
  let after: string | null = null;
  // The client went away (or the connection was cut): no need for the rest.
  let gone = false;
  res.once('close', () => (gone = true));
  try {
    do {
      const cursor = after;
      const { data, errors } = await runOperation(req, {
        document: route.document,
        variables: () => route.variables(input.values, cursor),
      });
      if (gone) return;
      if (errors?.length) {
        const failure = operationFailure(errors, route.fieldNames);
        if (!started) return sendError(res, failure);
        throw Object.assign(new Error(`a page of the stream failed: ${failure.code}: ${failure.message}`), {
          code: failure.code,
        });
      }
      const page = route.page(data as Record<string, unknown>);
      if (!started) {
        started = true;
        res.status(200).setHeader('Content-Type', `${route.mediaType}; charset=utf-8`);
        res.setHeader('Cache-Control', 'no-store');
      }
      let full = false;
      let lines = '';
      for (const item of page.items) {
        lines += `${JSON.stringify(item)}\n`;
        // Pieces of ~16 KB go out as they are made; a whole page in one string would only be a larger object to hold.
        if (lines.length >= WRITE_CHUNK_CHARS) {
          full = !res.write(lines) || full;
          lines = '';
        }
      }
      if (lines) full = !res.write(lines) || full;
      if (full) await drainedOrClosed(res);
      after = page.after;
    } while (after !== null && !gone);
    if (!gone) res.end();
  } catch (error) {
    if (!started) return sendError(res, maskedUnlessKnown(error, logger, req));
    if (gone) return;
    logger.error({ requestId: req.id, err: error }, 'a stream failed after its first line; its connection is cut');
    res.destroy();
  }
}

/** The text of a stream is written in pieces of about this many characters. */
const WRITE_CHUNK_CHARS = 16_384;

/** Resolves once the response can take more (`drain`), or once its connection is gone. */
function drainedOrClosed(res: Response): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

async function readJsonBody(req: Request, res: Response, parser: RequestHandler): Promise<ClassifiedError | undefined> {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody) return undefined;
  if (!req.is('application/json') || !declaresOnlyUtf8(req)) {
    return { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the body as UTF-8 application/json' };
  }
  try {
    await new Promise<void>((resolve, reject) => parser(req, res, (error?: unknown) => (error ? reject(error) : resolve())));
    return undefined;
  } catch (error) {
    const known = classifyError(error);
    if (known.code !== 'INTERNAL_SERVER_ERROR') return known;
    throw error;
  }
}

type ParsedInput = { values: RestInput } | { problems: FieldProblem[] };

function parseInput(
  route: Pick<RestRoute, 'params' | 'query' | 'body' | 'resourceKey'>,
  params: Record<string, string>,
  req: Request,
): ParsedInput {
  const body = bodyFields(route, req.body);
  if ('problem' in body) return { problems: [body.problem] };
  const parts: [string, ZodObject, unknown][] = [
    ['params', route.params, params],
    ['query', route.query, req.query],
    ['body', route.body, body.fields],
  ];
  const values: Record<string, unknown> = {};
  const problems: FieldProblem[] = [];
  for (const [part, schema, raw] of parts) {
    const result = schema.safeParse(raw);
    if (result.success) values[part] = result.data;
    else problems.push(...result.error.issues.map((issue) => ({ field: issue.path.join('.') || part, message: issue.message })));
  }
  return problems.length ? { problems } : { values: values as unknown as RestInput };
}

/**
 * The body's fields, bare or, from a Rails client, wrapped in the route's resource key (`{"user": {...}}`).
 * As in Rails, a present key wins: its object is read and any bare keys beside it are ignored.
 */
function bodyFields(route: { resourceKey?: string }, raw: unknown): { fields: object } | { problem: FieldProblem } {
  const body = raw === undefined ? {} : raw;
  if (!isJsonObject(body)) return { problem: { field: 'body', message: 'must be a JSON object' } };
  if (!route.resourceKey || !Object.hasOwn(body, route.resourceKey)) return { fields: body };
  const wrapped = body[route.resourceKey];
  return isJsonObject(wrapped)
    ? { fields: wrapped }
    : { problem: { field: route.resourceKey, message: 'must be a JSON object' } };
}

const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const describe = (problems: FieldProblem[]) => problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ');

function maskedUnlessKnown(error: unknown, logger: Logger, req: Request): ClassifiedError {
  const classified = classifyError(error);
  if (classified.code === 'INTERNAL_SERVER_ERROR') logger.error({ requestId: req.id, err: error }, 'unexpected error');
  return classified;
}

/** `accesses.0.accessId` in the graph is `user_accesses.0.access_id` for a legacy client. */
function legacyFieldName(field: string, renames: Record<string, string> = {}): string {
  const renamed = Object.keys(renames).find((name) => field === name || field.startsWith(`${name}.`));
  const rest = renamed ? field.slice(renamed.length) : field;
  return `${renamed ? renames[renamed] : ''}${rest.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}`;
}
