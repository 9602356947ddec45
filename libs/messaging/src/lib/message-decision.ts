import type { z } from 'zod';
import { parseMessage } from './message-contract';

/**
 * The largest value a consumer reads. Every message the services produce is far smaller (bounded metadata
 * and file lists); the broker's own default bound is 1 MiB, so this leaves room to refuse a value the
 * broker took without ever parsing it.
 */
export const MESSAGE_MAX_BYTES = 768 * 1024;

/** The CloudEvents version the producers write in `ce_specversion`; a message announcing another is refused. */
export const CLOUD_EVENTS_SPEC_VERSION = '1.0';

/** Why a message was refused, as a stable word for logs, metrics and dead-letter headers. */
export type RefusalKind = 'no_value' | 'too_large' | 'unsupported_version' | 'not_json' | 'breaks_contract';

export type MessageDecision<T> =
  | { action: 'handle'; data: T; body: string }
  | { action: 'skip' | 'dead_letter'; kind: RefusalKind; reason: string };

export interface MessagePolicy<S extends z.ZodType> {
  schema: S;
  /** What happens to a refused message: passed over (counted, logged) or parked on the dead-letter topic. */
  onInvalid: 'skip' | 'dead_letter';
  /** Values longer than this are refused unread; `MESSAGE_MAX_BYTES` unless set. */
  maxBytes?: number;
}

export interface IncomingMessage {
  value: Buffer | null;
  /** Header values as read (missing headers are fine: the value carries everything a consumer needs). */
  headers: Readonly<Record<string, string>>;
}

/**
 * What a consumer does with one message, decided before any handler runs: handle it, or refuse it with
 * the consumer's `onInvalid`. Pure and total, so no value, size, encoding or header set can make a
 * consumer throw (and so crash-loop on a message that comes back every time): a refusal always names a
 * kind and a reason. Headers are optional; only a `ce_specversion` that names another version refuses.
 */
export function decideMessage<S extends z.ZodType>(message: IncomingMessage, policy: MessagePolicy<S>): MessageDecision<z.infer<S>> {
  const refuse = (kind: RefusalKind, reason: string): MessageDecision<z.infer<S>> => ({ action: policy.onInvalid, kind, reason });
  const { value, headers } = message;
  if (value === null) return refuse('no_value', 'the message has no value');
  const maxBytes = policy.maxBytes ?? MESSAGE_MAX_BYTES;
  // Checked before decoding: a huge value costs nothing but its length.
  if (value.length > maxBytes) return refuse('too_large', `the value has ${value.length} bytes, more than ${maxBytes}`);
  const version = headers['ce_specversion'];
  if (version !== undefined && version !== CLOUD_EVENTS_SPEC_VERSION) {
    return refuse('unsupported_version', `ce_specversion ${JSON.stringify(version.slice(0, 32))} is not ${CLOUD_EVENTS_SPEC_VERSION}`);
  }
  const parsed = parseMessage(policy.schema, value);
  if (parsed.ok) return { action: 'handle', data: parsed.data, body: parsed.body };
  return refuse(parsed.reason === 'the value is not JSON' ? 'not_json' : 'breaks_contract', parsed.reason);
}
