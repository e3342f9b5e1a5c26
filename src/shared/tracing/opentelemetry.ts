import {
  context,
  diag,
  DiagLogLevel,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_ERROR_TYPE, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Logger } from '../logger';
import { instrumentations } from './instrumentations';
import { RedactingExporter } from './redacting-exporter';
import type { TraceCarrier, Tracing } from './tracing';

const SERVICE_NAME = 'leadsy-gateway';
const TRACER_NAME = 'leadsy-gateway';

/**
 * The OpenTelemetry SDK: spans go in batches (OTEL_BSP_* tune them) to the OTLP/HTTP endpoint of
 * OTEL_EXPORTER_OTLP_ENDPOINT (`/v1/traces`, JSON; OTEL_EXPORTER_OTLP_HEADERS for its credentials),
 * which the exporter reads itself, as the SDK reads OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES and
 * OTEL_TRACES_SAMPLER (default: parent-based, always on). Registering makes W3C `traceparent` the
 * propagation format and AsyncLocalStorage the carrier of the active span.
 */
export function openTelemetryTracing(): Tracing {
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: SERVICE_NAME }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new RedactingExporter(new OTLPTraceExporter()))],
  });
  provider.register();
  registerInstrumentations({ tracerProvider: provider, instrumentations: instrumentations() });
  const tracer = trace.getTracer(TRACER_NAME);

  return {
    logFields(): Record<string, string> {
      const span = trace.getSpan(context.active());
      if (!span) return {};
      const { traceId, spanId, traceFlags } = span.spanContext();
      // The names of OpenTelemetry's pino instrumentation, which log back ends recognise.
      return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}` };
    },

    operation({ type, name }, execute, errorOf) {
      const attributes = { 'graphql.operation.type': type, ...(name ? { 'graphql.operation.name': name } : {}) };
      return tracer.startActiveSpan(name ? `${type} ${name}` : type, { attributes }, async (span) => {
        try {
          const result = await execute();
          const code = errorOf(result);
          if (code) failed(span, code);
          return result;
        } catch (error) {
          failed(span, errorName(error));
          throw error;
        } finally {
          span.end();
        }
      });
    },

    jobCarrier() {
      const carrier: TraceCarrier = {};
      propagation.inject(context.active(), carrier);
      return carrier.traceparent ? carrier : undefined;
    },

    job(queue, queuedBy, run) {
      const links: Link[] = [];
      for (const carrier of queuedBy) {
        const queuing = carrier && trace.getSpanContext(propagation.extract(ROOT_CONTEXT, carrier));
        if (queuing) links.push({ context: queuing });
      }
      const attributes = {
        'messaging.system': 'pg-boss',
        'messaging.operation.type': 'process',
        'messaging.destination.name': queue,
        'messaging.batch.message_count': queuedBy.length,
      };
      // `root`: a new trace, whatever runs around the worker (pg-boss's polling loop).
      const options = { kind: SpanKind.CONSUMER, root: true, links, attributes };
      return tracer.startActiveSpan(`process ${queue}`, options, async (span) => {
        try {
          return await run();
        } catch (error) {
          failed(span, errorName(error));
          throw error;
        } finally {
          span.end();
        }
      });
    },

    reportProblemsTo(logger: Logger) {
      // The SDK's own failures (an unreachable collector, a full queue) would otherwise go unseen.
      const log = logger.child({ component: 'tracing' });
      diag.setLogger(
        {
          error: (message) => log.warn(message),
          warn: (message) => log.warn(message),
          info: () => undefined,
          debug: () => undefined,
          verbose: () => undefined,
        },
        DiagLogLevel.WARN,
      );
    },

    shutdown: () => provider.shutdown(),
  };
}

/** Marks a span failed with a code or a class name: never a message, which may quote input. */
function failed(span: Span, type: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.setAttribute(ATTR_ERROR_TYPE, type);
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
