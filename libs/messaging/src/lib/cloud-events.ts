import { randomBytes } from 'node:crypto';

/** Kafka headers of a CloudEvents 1.0 binary-mode message (the body is the event data itself). */
export interface CloudEventHeaders {
  ce_specversion: '1.0';
  ce_id: string;
  ce_type: string;
  ce_source: string;
  ce_time: string;
  'content-type': 'application/json';
  traceparent: string;
}

export function cloudEventHeaders(event: { id: string; type: string; source: string; time: Date; traceparent?: string }): CloudEventHeaders {
  return {
    ce_specversion: '1.0',
    ce_id: event.id,
    ce_type: event.type,
    ce_source: event.source,
    ce_time: event.time.toISOString(),
    'content-type': 'application/json',
    traceparent: event.traceparent ?? newTraceparent(),
  };
}

/** A fresh W3C trace context (version 00, sampled) for events no request carried one into. */
export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

/** Reads Kafka's header values (Buffers, strings or arrays of them) into plain strings. */
export function readHeaders(headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) result[name] = first.toString();
  }
  return result;
}
