import { inSpan } from '@media/messaging';
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { suppressTracing, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

export interface Tracing {
  /** Flushes spans not yet exported (no-op without an exporter). */
  shutdown(): Promise<void>;
}

let started: Tracing | undefined;

/**
 * Starts OpenTelemetry tracing for this process, once: W3C trace context in and out of every HTTP server
 * and client (node:http and fetch), so one upload is one trace across ingest-api and storage, and Kafka
 * messages carry it on (see `libs/messaging`'s trace-context). Spans are always made, because their ids
 * are what the logs carry; they are exported over OTLP/HTTP only when the standard
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) variable is set, and silently dropped otherwise.
 */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  if (started) return started;
  const exporting = Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) && env['OTEL_SDK_DISABLED'] !== 'true';
  // The exporter reads the endpoint, headers and timeout from the standard OTEL_* variables itself.
  const spanProcessors: SpanProcessor[] = exporting ? [new BatchSpanProcessor(new OTLPTraceExporter())] : [];
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: service }), spanProcessors });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => QUIET_PATHS.has(request.url ?? '') }),
      new UndiciInstrumentation(),
    ],
  });
  started = { shutdown: () => provider.shutdown() };
  return started;
}

/** `trace_id` and `span_id` of the active span, for every log line (a pino mixin). */
export function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/** The active span as a W3C `traceparent`, to store with work that continues later (an outbox event). */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier['traceparent'];
}

/** W3C Trace Context Level 2 `traceresponse`: tells the client which trace its request became. */
export function traceResponseHeader(): string | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-0${traceFlags & 1}`;
}

/**
 * Runs work that was stored and resumed later (a webhook delivery, an encoding job) in a span continuing
 * the trace it was stored with, so its logs and calls join the request that caused it.
 */
export function withStoredTrace<T>(traceparent: string | null | undefined, name: string, work: () => Promise<T>): Promise<T> {
  const parent = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
  return inSpan(name, parent, {}, work);
}

/**
 * Runs `work` (which starts an outgoing request) without tracing it: no span and, above all, no
 * `traceparent` header. For calls to third parties, who must not learn our trace ids or correlate them.
 */
export function withoutTracePropagation<T>(work: () => T): T {
  return context.with(suppressTracing(context.active()), work);
}
