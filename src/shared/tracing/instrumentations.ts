import type { IncomingMessage, RequestOptions, ServerResponse } from 'node:http';
import { context, propagation, trace } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { ATTR_URL_FULL, ATTR_URL_QUERY } from '@opentelemetry/semantic-conventions';

/** Probes and scrapers call these every few seconds: a trace each would drown the others. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * What is traced, and what never leaves the process in a span: no query-string value (a GET
 * /graphql carries its variables there, a REST filter an email), no SQL parameter, no GraphQL
 * literal or variable, no request or response body, no header but the user agent and `traceparent`.
 */
export function instrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has(pathOf(request.url)),
      startIncomingSpanHook: (request) => {
        const keys = queryKeys(request.url);
        return keys === undefined ? {} : { [ATTR_URL_QUERY]: keys };
      },
      // A webhook URL's query may hold its receiver's token: the span names the endpoint without it.
      startOutgoingSpanHook: (request) => ({ [ATTR_URL_FULL]: withoutQuery(request) }),
      // The server span's context, so a client can find its trace (whether or not it sent one).
      responseHook: (span, response) => {
        if (!isServerResponse(response) || response.headersSent) return;
        const headers: Record<string, string> = {};
        propagation.inject(trace.setSpan(context.active(), span), headers);
        if (headers.traceparent) response.setHeader('traceparent', headers.traceparent);
      },
      // Only inside a trace: the SDK's own exports and stray calls start none.
      requireParentforOutgoingSpans: true,
    }),
    // The matched route on the HTTP span (`http.route`), and a span for express's own route
    // handlers; none for the dozen middlewares and routers every request passes through.
    new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER] }),
    new PgInstrumentation({
      // The statement's text, never its values (the default, made explicit).
      enhancedDatabaseReporting: false,
      // Statements outside a request or a job (pg-boss's polling, LISTEN, replica health checks) start no trace.
      requireParentSpan: true,
    }),
    // Parsing and validation (graphql-jit executes: the operation's span is the gateway's own).
    new GraphQLInstrumentation({ allowValues: false, ignoreResolveSpans: true }),
  ];
}

function pathOf(url: string | undefined): string {
  const query = url?.indexOf('?') ?? -1;
  return query < 0 ? (url ?? '') : url!.slice(0, query);
}

/** `first=REDACTED&after=REDACTED`: which parameters a request had, without their values (as the instrumentation redacts). */
function queryKeys(url: string | undefined): string | undefined {
  const query = url?.indexOf('?') ?? -1;
  if (query < 0) return undefined;
  const keys = [...new URLSearchParams(url!.slice(query + 1)).keys()];
  return keys.map((key) => `${encodeURIComponent(key)}=REDACTED`).join('&');
}

function withoutQuery(request: RequestOptions): string {
  const host = request.hostname ?? request.host ?? '';
  const port = request.port ? `:${String(request.port)}` : '';
  return `${request.protocol ?? 'http:'}//${host}${port}${pathOf(request.path ?? '/')}`;
}

function isServerResponse(response: IncomingMessage | ServerResponse): response is ServerResponse {
  return 'setHeader' in response;
}
