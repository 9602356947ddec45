import { verifyWebhook as verifySignature } from '@media/webhook-signature';

export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return headers.get(name) ?? '';
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value.join(' ') : (value ?? '');
}

export interface VerifyWebhookOptions {
  /** Unix seconds "now", for tests. */
  now?: number;
  /** How far the delivery's timestamp may be from now (replay protection); 5 minutes by default. */
  toleranceSeconds?: number;
}

/**
 * For webhook receivers: true when the request carries a valid Standard Webhooks signature of `body` (the raw
 * bytes received, before any JSON parsing) made with `secret` (`whsec_...`) and a fresh timestamp. `headers`
 * is a fetch `Headers` or a Node-style header record.
 */
export function verifyWebhook(secret: string, headers: HeaderSource, body: string | Uint8Array, options: VerifyWebhookOptions = {}): boolean {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  const given = { id: header(headers, 'webhook-id'), timestamp: header(headers, 'webhook-timestamp'), signature: header(headers, 'webhook-signature') };
  if (!given.id || !given.signature) return false;
  return verifySignature(given, text, secret, options);
}
