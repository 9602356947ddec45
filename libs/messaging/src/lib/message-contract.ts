import type { z } from 'zod';

export type ParsedMessage<T> = { ok: true; data: T; body: string } | { ok: false; reason: string };

/**
 * Checks a Kafka message value against its contract on consumption. A message that fails is never acted
 * on; `reason` names the first problem (for the log or the dead-letter header). `body` is the exact text
 * read, for consumers that pass it on unchanged (webhook bodies are signed byte for byte).
 */
export function parseMessage<S extends z.ZodType>(schema: S, value: Buffer | null): ParsedMessage<z.infer<S>> {
  if (value === null) return { ok: false, reason: 'the message has no value' };
  const body = value.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'the value is not JSON' };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, data: result.data, body };
  const first = result.error.issues[0];
  return { ok: false, reason: first ? `${first.path.map(String).join('.') || '(message)'}: ${first.message}` : 'the value breaks the contract' };
}
