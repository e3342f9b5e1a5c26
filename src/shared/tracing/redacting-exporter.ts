import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter, TimedEvent } from '@opentelemetry/sdk-trace-node';
import { ATTR_DB_QUERY_TEXT, ATTR_EXCEPTION_TYPE } from '@opentelemetry/semantic-conventions';

/**
 * Literals of a SQL statement, and the quoted identifiers among which they are told apart:
 * `"identifier"` (kept), `E'…'`, `'…'`, `$tag$…$tag$` and numbers (each replaced by `?`).
 */
const SQL_LITERALS =
  /("(?:[^"]|"")*")|\b[eE]'(?:[^'\\]|\\.|'')*'|'(?:[^']|'')*'|\$([A-Za-z_]\w*)?\$[\s\S]*?\$\2\$|(?<![\w$.])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w$])/g;

/**
 * Makes sure what leaves the process holds no value a user gave, whatever the instrumentations
 * record: MikroORM writes some values into its statements' text (`where email = 'a@b.c'`), so every
 * literal of `db.query.text` becomes `?` (parameters, `$1`, were never recorded); and error
 * messages, which quote input (`invalid input syntax for type uuid: "…"`), are dropped from span
 * statuses and exception events, which keep the error's type. The full error is in the log line
 * that carries the same `trace_id`.
 */
export class RedactingExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: Parameters<SpanExporter['export']>[1]): void {
    this.inner.export(spans.map(redacted), resultCallback);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** A statement's text with its literals replaced by `?`. */
export function withoutSqlLiterals(text: string): string {
  return text.replace(SQL_LITERALS, (_literal, identifier: string | undefined) => identifier ?? '?');
}

function redacted(span: ReadableSpan): ReadableSpan {
  const text = span.attributes[ATTR_DB_QUERY_TEXT];
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status: { code: span.status.code },
    attributes:
      typeof text === 'string' ? { ...span.attributes, [ATTR_DB_QUERY_TEXT]: withoutSqlLiterals(text) } : span.attributes,
    links: span.links,
    events: span.events.map(withoutMessage),
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/** An exception event keeps its type only: its message and stack trace quote the error's message. */
function withoutMessage(event: TimedEvent): TimedEvent {
  if (event.name !== 'exception') return event;
  const type = event.attributes?.[ATTR_EXCEPTION_TYPE];
  const attributes: Attributes = type === undefined ? {} : { [ATTR_EXCEPTION_TYPE]: type };
  return { ...event, attributes };
}
