import { type Context, propagation, ROOT_CONTEXT, SpanKind, type SpanOptions, SpanStatusCode, trace, type TextMapGetter } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';

const kafkaHeaders: TextMapGetter<IHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.map(String) : String(value);
  },
};

/**
 * Runs a message handler inside a consumer span that continues the trace in the message's `traceparent`
 * header, so what a consumer logs and calls belongs to the HTTP request that caused the event. Without a
 * registered tracer (tests that boot no tracing) this is a plain call.
 */
export function withMessageTrace<T>(topic: string, group: string, headers: IHeaders | undefined, handle: () => Promise<T>): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, headers ?? {}, kafkaHeaders);
  const attributes = { 'messaging.system': 'kafka', 'messaging.destination.name': topic, 'messaging.consumer.group.name': group };
  return inSpan(`process ${topic}`, parent, { kind: SpanKind.CONSUMER, attributes }, handle);
}

/** Runs `work` as the active span `name` under `parent`; an error marks the span and goes on. */
export function inSpan<T>(name: string, parent: Context, options: SpanOptions, work: () => Promise<T>): Promise<T> {
  return trace.getTracer('@media/messaging').startActiveSpan(name, options, parent, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}
