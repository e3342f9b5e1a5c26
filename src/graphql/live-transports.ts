import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  createSourceEventStream,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  getOperationAST,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import { createHandler } from 'graphql-sse/lib/use/express';
import { useServer } from 'graphql-ws/use/ws';
import type { Request, RequestHandler, Response } from 'express';
import { type WebSocket, WebSocketServer } from 'ws';
import { bindLiveSession, LivePayload, LiveSession } from '../modules/live/live-session';
import type { AppDeps, RequestContext } from '../modules/request-context';
import { classifyError, type DomainError, type ErrorCode, serviceUnavailable, STATUS_BY_CODE } from '../shared/errors';
import { requestInfoOf, requestInfoOfUpgrade, type RequestInfo } from '../shared/http/request-info';
import { formatError } from './errors';
import type { OperationLimits } from './operation-limits';
import { documentReference, persistedQueryNotFound, type TrustedDocuments } from './trusted-documents';

/** The path of graphql-ws (WebSocket upgrades only: every other request to it is Apollo's). */
export const WEBSOCKET_PATH = '/graphql';

/** WebSocket close codes of a connection whose credential is refused or whose gateway stops. */
const CLOSE_CODE_BY_ERROR: Partial<Record<string, number>> = {
  UNAUTHENTICATED: 4401,
  FORBIDDEN: 4403,
  RATE_LIMITED: 4429,
  SERVICE_UNAVAILABLE: 1013,
};
const GOING_AWAY = 1001;

export interface LiveTransports {
  /** graphql-sse, mounted at `/graphql/stream`. */
  sse: RequestHandler;
  /** Takes the WebSocket upgrades of `/graphql` on the server the app listens on. */
  attach(server: Server): void;
  /** Ends every subscription (WebSocket 1001, SSE streams end) and refuses new ones. */
  close(): Promise<void>;
}

/**
 * Subscriptions over graphql-ws and graphql-sse: the gateway's schema, its operation limits, its
 * errors, and a request context of the caller's credential (WebSocket: `connectionParams`
 * `authorization`; SSE: the `Authorization` header), checked again while they run (LiveSession).
 * Only subscriptions run here: queries and mutations keep going to Apollo (admission, rate limits).
 */
export function liveTransports(
  schema: GraphQLSchema,
  deps: AppDeps,
  limits: OperationLimits,
  trusted: TrustedDocuments,
): LiveTransports {
  const sessions = new Set<LiveSession>();
  let closing = false;
  const open = async (request: RequestInfo) => {
    if (closing) throw serviceUnavailable('the gateway is shutting down', 1);
    const opened = await LiveSession.open(deps, request);
    sessions.add(opened.session);
    opened.session.onEnd(() => sessions.delete(opened.session));
    return opened;
  };
  const forget = (session: LiveSession | undefined) => {
    if (!session) return;
    session.close();
    sessions.delete(session);
  };
  const prepare = (params: OperationParams, context: RequestContext) =>
    prepareSubscription(schema, limits, deps, trusted, params, context);
  const formatted = formatting(deps);

  const wss = new WebSocketServer({ noServer: true, maxPayload: deps.config.graphqlMaxDocumentBytes + 64 * 1024 });
  const sessionBySocket = new WeakMap<WebSocket, LiveSession>();
  const ws = useServer(
    {
      schema,
      onConnect: async ({ connectionParams, extra: { socket, request } }) => {
        try {
          const { session } = await open(
            requestInfoOfUpgrade(request, authorizationOf(connectionParams), deps.config.trustProxy),
          );
          sessionBySocket.set(socket, session);
          session.onEnd((reason) => closeSocket(socket, reason, closing));
          return true;
        } catch (error) {
          closeSocket(socket, error, closing);
          return false;
        }
      },
      onSubscribe: async ({ extra: { socket } }, _id, payload) => {
        const session = sessionBySocket.get(socket);
        if (!session) return [new GraphQLError('not connected')];
        try {
          return prepare(payload, bindLiveSession(await session.context(), session));
        } catch (error) {
          return [asGraphQLError(error)];
        }
      },
      subscribe: liveSubscribe,
      onNext: (_ctx, _id, _payload, _args, result) => formatted.result(result),
      onError: (_ctx, _id, _payload, errors) => errors.map(formatted.error),
      onClose: ({ extra: { socket } }) => forget(sessionBySocket.get(socket)),
    },
    wss,
  );

  const sseHandler = createHandler({
    schema,
    // Distinct connections only: each stream is one subscription, with the credential of its request.
    authenticate: () => null,
    onSubscribe: async (req, params) => {
      const raw = req.raw as Request;
      const res = req.context.res as Response;
      let opened: Awaited<ReturnType<typeof open>>;
      try {
        opened = await open(requestInfoOf(raw));
      } catch (error) {
        return jsonErrors([formatted.error(asGraphQLError(error))], classifyError(error));
      }
      res.once('close', () => forget(opened.session));
      const prepared = prepare(params, bindLiveSession(opened.context, opened.session));
      if (Array.isArray(prepared)) {
        forget(opened.session);
        const errors = prepared.map(formatted.error);
        // The status of the first error's code: OPERATION_NOT_TRUSTED, PERSISTED_QUERY_NOT_FOUND or BAD_USER_INPUT.
        return jsonErrors(errors, { code: errors[0].extensions?.code as ErrorCode });
      }
      // graphql-sse types its context as a plain record; the gateway's is the request context.
      return prepared as ExecutionArgs & { contextValue: undefined };
    },
    subscribe: liveSubscribe,
    onNext: (_ctx, _req, result) => formatted.result(result as ExecutionResult),
  });

  return {
    sse: (req, res, next) => {
      sseHandler(req, res).catch(next);
    },
    attach(server) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        const path = new URL(req.url ?? '/', 'http://gateway').pathname;
        if (closing || path !== WEBSOCKET_PATH) {
          socket.end(`HTTP/1.1 ${closing ? '503 Service Unavailable' : '404 Not Found'}\r\nConnection: close\r\n\r\n`);
          return;
        }
        wss.handleUpgrade(req, socket, head, (client) => wss.emit('connection', client, req));
      });
    },
    async close() {
      if (closing) return;
      closing = true;
      const shutdown = serviceUnavailable('the gateway is shutting down', 1);
      for (const session of [...sessions]) session.end(shutdown);
      await ws.dispose();
    },
  };
}

interface OperationParams {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
  extensions?: unknown;
  /** graphql-ws passes the payload as sent; graphql-sse keeps only the fields above. */
  documentId?: unknown;
}

/**
 * Parses and validates as Apollo does (same limits, same trusted documents); only a subscription
 * operation is accepted. Both protocols require a `query` string: a client naming a trusted
 * document by id (an APQ hash or graphql-ws's `documentId`) sends it empty.
 */
function prepareSubscription(
  schema: GraphQLSchema,
  limits: OperationLimits,
  deps: AppDeps,
  trusted: TrustedDocuments,
  params: OperationParams,
  context: RequestContext,
): ExecutionArgs | readonly GraphQLError[] {
  const { variables, operationName } = params;
  const badInput = (message: string) => [new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } })];
  const reference = documentReference(params);
  if (reference && !('id' in reference)) return [asGraphQLError(reference)];
  // No APQ cache here: an id is a trusted document's or unknown.
  const query = reference ? trusted.textOf(reference.id) : params.query;
  if (reference && query === undefined) return [asGraphQLError(persistedQueryNotFound(reference.id))];
  if (typeof query !== 'string') return badInput('query must be a string');
  const untrusted = trusted.refusal(query);
  if (untrusted) return [asGraphQLError(untrusted)];
  if (Buffer.byteLength(query) > deps.config.graphqlMaxDocumentBytes) {
    return badInput(`the query is longer than ${deps.config.graphqlMaxDocumentBytes} bytes`);
  }
  if (operationName != null && typeof operationName !== 'string') return badInput('operationName must be a string');
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables)))
    return badInput('variables must be an object');
  let document;
  try {
    document = parse(query, limits.parseOptions);
  } catch (error) {
    return [asGraphQLError(error, 'BAD_USER_INPUT')];
  }
  const errors = validate(schema, document, [...specifiedRules, ...limits.validationRules]);
  if (errors.length) return errors.map((error) => withCode(error, 'BAD_USER_INPUT'));
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return badInput('unable to identify the operation: name it with operationName');
  if (operation.operation !== 'subscription') {
    return badInput(`only subscriptions run here: send a ${operation.operation} to POST /graphql`);
  }
  const refusal = limits.costRefusal(document, (variables ?? {}) as Record<string, unknown>);
  if (refusal) return badInput(refusal);
  return {
    schema,
    document,
    operationName: operationName ?? undefined,
    variableValues: (variables ?? undefined) as Record<string, unknown> | undefined,
    contextValue: context,
  };
}

/**
 * graphql-js's `subscribe`, except that each event is executed with the context its payload
 * carries (a fresh one per message: the values and rights of now, not of the subscription's
 * start), and that the client leaving ends the source stream at once.
 */
export async function liveSubscribe(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream;
  const source = stream[Symbol.asyncIterator]();
  const run = async (payload: unknown): Promise<ExecutionResult> =>
    execute({
      ...args,
      rootValue: payload,
      contextValue: payload instanceof LivePayload && payload.context ? payload.context : args.contextValue,
    });
  // Asserted, not annotated: whether AsyncGenerator declares Symbol.asyncDispose depends on the lib the build includes.
  const results = {
    async next() {
      const step = await source.next();
      return step.done ? { done: true, value: undefined } : { done: false, value: await run(step.value) };
    },
    async return() {
      await source.return?.();
      return { done: true, value: undefined };
    },
    async throw(error: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
    async [Symbol.asyncDispose]() {
      await source.return?.();
    },
  } as AsyncGenerator<ExecutionResult>;
  return results;
}

/** The contract's errors (formatError), INTERNAL ones masked and logged. */
function formatting(deps: AppDeps) {
  const error = (graphqlError: GraphQLError): GraphQLFormattedError => {
    const formatted = formatError(graphqlError.toJSON(), graphqlError);
    if (formatted.extensions?.code === 'INTERNAL_SERVER_ERROR') {
      deps.logger.error({ err: graphqlError.originalError ?? graphqlError, path: graphqlError.path }, 'unexpected error');
    }
    return formatted;
  };
  return {
    error,
    result: (result: ExecutionResult): ExecutionResult => {
      if (!result.errors?.length) return result;
      return { ...result, errors: result.errors.map(error) as unknown as GraphQLError[] };
    },
  };
}

function jsonErrors(errors: GraphQLFormattedError[], { code, retryAfter }: { code: DomainError['code']; retryAfter?: number }) {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (retryAfter) headers['retry-after'] = String(retryAfter);
  return [JSON.stringify({ errors }), { status: STATUS_BY_CODE[code], statusText: code, headers }] as [
    string,
    ResponseInit & { status: number; statusText: string; headers: Record<string, string> },
  ];
}

function asGraphQLError(error: unknown, code?: string): GraphQLError {
  if (error instanceof GraphQLError) return code ? withCode(error, code) : error;
  return new GraphQLError(error instanceof Error ? error.message : String(error), {
    originalError: error instanceof Error ? error : undefined,
  });
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}

/** Closes with the code of `reason`, or 1001 (going away) when the gateway is shutting down. */
function closeSocket(socket: WebSocket, reason: unknown, shuttingDown: boolean): void {
  const { code, message } = classifyError(reason);
  // A close reason is at most 123 bytes.
  socket.close(shuttingDown ? GOING_AWAY : (CLOSE_CODE_BY_ERROR[code] ?? 4500), Buffer.from(message).subarray(0, 120).toString());
}

/** `connectionParams.authorization` (or `Authorization`), as the header would carry it. */
function authorizationOf(params: Record<string, unknown> | undefined): string | undefined {
  const value = params?.authorization ?? params?.Authorization;
  return typeof value === 'string' ? value : undefined;
}
