import type { Logger } from '../logger';

/**
 * What the gateway asks of tracing, without naming OpenTelemetry: this module is all the rest of
 * the code imports, and it loads the SDK (`./opentelemetry`) only when tracing is on. Off, nothing
 * is wrapped and no OpenTelemetry SDK module is loaded, so a request costs what it cost without it.
 */

/** A W3C trace context (`traceparent`, and `tracestate` when there is one), as it travels in a job's data. */
export type TraceCarrier = Record<string, string>;

/** The key of a job's data that carries the trace context of the request that queued it. */
export const JOB_TRACE_KEY = 'traceContext';

export interface Tracing {
  /** Fields for a log line written while a span is active (its trace and span ids); none otherwise. */
  logFields(): Record<string, string>;
  /**
   * Runs a GraphQL operation's execution in its span (`query Name`), where the SQL it runs nests;
   * `errorOf` names what a result failed with (a code, never a message or a variable).
   */
  operation<T>(operation: OperationInfo, execute: () => Promise<T>, errorOf: (result: T) => string | undefined): Promise<T>;
  /** The trace context of the span active now, for a job queued now; undefined outside a trace. */
  jobCarrier(): TraceCarrier | undefined;
  /**
   * Runs one attempt of background work in a span of its own trace, linked to the spans that queued
   * its jobs: a job outlives its request (and may run in another process), so it is not its child.
   */
  job<T>(queue: string, queuedBy: (TraceCarrier | undefined)[], run: () => Promise<T>): Promise<T>;
  /** Logs the SDK's own problems (an unreachable collector) as warnings of `logger`. */
  reportProblemsTo(logger: Logger): void;
  /** Exports the spans still buffered and stops: the last step of a shutdown. */
  shutdown(): Promise<void>;
}

export interface OperationInfo {
  type: 'query' | 'mutation' | 'subscription';
  name: string | undefined;
}

/**
 * Starts tracing: registers the OpenTelemetry SDK and its instrumentations (HTTP, Express, pg,
 * GraphQL parse and validate). Call before anything loads `http`, `express` or `pg`: the
 * instrumentations patch those modules as they are required.
 */
export async function startTracing(): Promise<Tracing> {
  const { openTelemetryTracing } = await import('./opentelemetry');
  return openTelemetryTracing();
}
