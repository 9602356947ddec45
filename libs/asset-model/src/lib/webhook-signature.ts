import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Standard Webhooks secrets: `whsec_` + base64 of the key bytes (the HMAC key is the decoded part). */
export const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

export function generateWebhookSecret(bytes: Buffer = randomBytes(SECRET_BYTES)): string {
  return `${SECRET_PREFIX}${bytes.toString('base64')}`;
}

function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('a webhook secret starts with whsec_');
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  if (key.length < 24) throw new Error('a webhook secret carries at least 24 bytes');
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

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, the `webhook-signature` header value. */
export function signWebhook(content: SignedContent, secret: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${content.id}.${content.timestamp}.${content.body}`).digest('base64');
  return `v1,${mac}`;
}

export interface VerifyOptions {
  /** Unix seconds "now"; a timestamp further away than the tolerance is refused (replays). */
  now?: number;
  toleranceSeconds?: number;
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
  let expected: Buffer;
  try {
    expected = Buffer.from(signWebhook({ id: headers.id, timestamp, body }, secret).slice(3), 'base64');
  } catch {
    return false;
  }
  return headers.signature.split(' ').some((candidate) => {
    const [version, mac] = candidate.split(',', 2);
    if (version !== 'v1' || !mac) return false;
    const given = Buffer.from(mac, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
