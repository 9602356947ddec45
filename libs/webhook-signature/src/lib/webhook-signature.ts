import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';

// Pure and browser-safe (no node: imports, no Buffer): the fanout signs with it and the client package's
// receivers verify with it, in Node or in a browser, synchronously.

/** Standard Webhooks secrets: `whsec_` + base64 of the key bytes (the HMAC key is the decoded part). */
export const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Decodes base64; null for text that is not base64 (atob throws on it). */
function fromBase64(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

export function generateWebhookSecret(bytes: Uint8Array = globalThis.crypto.getRandomValues(new Uint8Array(SECRET_BYTES))): string {
  return `${SECRET_PREFIX}${toBase64(bytes)}`;
}

function secretKey(secret: string): Uint8Array {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('a webhook secret starts with whsec_');
  const key = fromBase64(secret.slice(SECRET_PREFIX.length));
  if (!key || key.length < 24) throw new Error('a webhook secret carries at least 24 bytes');
  return key;
}

export interface SignedContent {
  /** `webhook-id`: the event id, the same on every retry so receivers can deduplicate. */
  id: string;
  /** `webhook-timestamp`: unix seconds of this attempt. */
  timestamp: number;
  /** The exact bytes sent as the request body. */
  body: string;
}

function mac(content: SignedContent, key: Uint8Array): Uint8Array {
  return hmac(sha256, key, new TextEncoder().encode(`${content.id}.${content.timestamp}.${content.body}`));
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, the `webhook-signature` header value. */
export function signWebhook(content: SignedContent, secret: string): string {
  return `v1,${toBase64(mac(content, secretKey(secret)))}`;
}

export interface VerifyOptions {
  /** Unix seconds "now"; a timestamp further away than the tolerance is refused (replays). */
  now?: number;
  toleranceSeconds?: number;
}

/** Compares in time independent of where the first difference is, so a forger learns nothing from timing. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index += 1) difference |= (a[index] ?? 0) ^ (b[index] ?? 0);
  return difference === 0;
}

/**
 * The receiver's side, as the Standard Webhooks reference libraries do it: the header may carry several
 * space-separated signatures (secret rotation); one valid `v1` one is enough.
 */
export function verifyWebhook(
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  secret: string,
  { now = Math.floor(Date.now() / 1000), toleranceSeconds = 300 }: VerifyOptions = {},
): boolean {
  if (!/^\d{1,12}$/.test(headers.timestamp)) return false;
  const timestamp = Number(headers.timestamp);
  if (Math.abs(now - timestamp) > toleranceSeconds) return false;
  let expected: Uint8Array;
  try {
    expected = mac({ id: headers.id, timestamp, body }, secretKey(secret));
  } catch {
    return false;
  }
  return headers.signature.split(' ').some((candidate) => {
    const [version, given] = candidate.split(',', 2);
    if (version !== 'v1' || !given) return false;
    const bytes = fromBase64(given);
    return bytes !== null && constantTimeEqual(bytes, expected);
  });
}
