import { JOB_TRACE_KEY, type TraceCarrier, type Tracing } from './tracing';

/**
 * How a job's data carries the trace context of the request that queued it: under JOB_TRACE_KEY,
 * added when the job is queued inside a trace and taken out again before its handler sees the data.
 */

/** `data` with the trace context of the span active now (a request's), when tracing is on and there is one. */
export function withTraceContext<T extends object>(data: T, tracing: Tracing | undefined): T {
  const carrier = tracing?.jobCarrier();
  return carrier ? { ...data, [JOB_TRACE_KEY]: carrier } : data;
}

/** A job's data as its handler knows it: without the trace context it may carry (queued while tracing was on). */
export function withoutTraceContext<T extends object>(data: T): T {
  if (!(JOB_TRACE_KEY in data)) return data;
  const { [JOB_TRACE_KEY]: _carrier, ...rest } = data as T & { [JOB_TRACE_KEY]: unknown };
  return rest as T;
}

/** The trace context a job's data carries, if it is a well-formed one. */
export function traceContextOf(data: object): TraceCarrier | undefined {
  const carrier = (data as { [JOB_TRACE_KEY]?: unknown })[JOB_TRACE_KEY];
  if (typeof carrier !== 'object' || carrier === null) return undefined;
  return Object.values(carrier).every((value) => typeof value === 'string') ? (carrier as TraceCarrier) : undefined;
}
