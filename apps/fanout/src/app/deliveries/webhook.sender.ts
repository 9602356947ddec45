import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { withoutTracePropagation } from '@media/service-kit';
import { type AllowList, checkAddress, parseWebhookUrl } from '../webhooks/webhook-url.policy';

export const SENDER_OPTIONS = Symbol('SENDER_OPTIONS');

export interface SenderOptions {
  allowList: AllowList;
  timeoutMs: number;
  maxResponseBytes: number;
}

export interface SendRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export type SendResult =
  | { kind: 'response'; statusCode: number; headers: IncomingMessage['headers']; durationMs: number }
  | { kind: 'error'; error: string; durationMs: number };

/** Raised by the guarded DNS lookup: the host resolved to an address webhooks may not reach. */
export class ForbiddenAddressError extends Error {
  readonly code = 'WEBHOOK_URL_FORBIDDEN';
}

/**
 * Resolves a host name and refuses it when any answer is forbidden. Used as the socket's `lookup`, so the
 * connection goes to exactly the address that was checked (no second resolution a rebinding DNS could change).
 */
export function guardedLookup(allowList: AllowList): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 4);
      for (const { address } of addresses) {
        const verdict = checkAddress(address, allowList);
        if (!verdict.allowed) return callback(new ForbiddenAddressError(`${hostname} resolves to a forbidden address: ${verdict.reason}`), '', 4);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new Error(`${hostname} has no address`), '', 4);
      callback(null, first.address, first.family);
    });
  };
}

/** Checks a webhook URL the way delivery will: scheme, literal address, or every address its name resolves to. */
export async function checkWebhookUrl(raw: string, allowList: AllowList): Promise<{ ok: true } | { ok: false; reason: string }> {
  const parsed = parseWebhookUrl(raw);
  if (!parsed.ok) return parsed;
  if (parsed.literal) {
    const verdict = checkAddress(parsed.host, allowList);
    return verdict.allowed ? { ok: true } : { ok: false, reason: verdict.reason };
  }
  return new Promise((resolve) => {
    guardedLookup(allowList)(parsed.host, { all: true }, (error) => resolve(error ? { ok: false, reason: error.message } : { ok: true }));
  });
}

/**
 * One POST to a receiver: no redirects followed (Node's client never does), the whole attempt bounded in
 * time, and at most `maxResponseBytes` of the answer read before the connection is dropped.
 */
@Injectable()
export class WebhookSender {
  private readonly lookup: LookupFunction;

  constructor(@Inject(SENDER_OPTIONS) private readonly options: SenderOptions) {
    this.lookup = guardedLookup(options.allowList);
  }

  /** `signal` aborts the request (a shutdown whose grace is over). */
  async send(request: SendRequest, signal?: AbortSignal): Promise<SendResult> {
    const started = Date.now();
    const elapsed = () => Date.now() - started;
    const parsed = parseWebhookUrl(request.url);
    if (!parsed.ok) return { kind: 'error', error: `webhook URL refused: ${parsed.reason}`, durationMs: elapsed() };
    if (parsed.literal) {
      const verdict = checkAddress(parsed.host, this.options.allowList);
      if (!verdict.allowed) return { kind: 'error', error: `webhook URL refused: ${verdict.reason}`, durationMs: elapsed() };
    }
    try {
      const response = await this.post(parsed.url, request, signal);
      return { kind: 'response', statusCode: response.statusCode, headers: response.headers, durationMs: elapsed() };
    } catch (error) {
      return { kind: 'error', error: describe(error), durationMs: elapsed() };
    }
  }

  private post(url: URL, { body, headers }: SendRequest, signal?: AbortSignal): Promise<{ statusCode: number; headers: IncomingMessage['headers'] }> {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      // Customers' endpoints are third parties: they get the event, not our trace context.
      const req = withoutTracePropagation(() => send(url, {
        method: 'POST',
        // A fresh connection per attempt: every connect goes through the guarded lookup.
        agent: false,
        lookup: this.lookup,
        signal,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'media-assets-webhooks/1' },
      }));
      const timer = setTimeout(() => req.destroy(new Error(`no complete answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
      const done = (fn: () => void) => {
        clearTimeout(timer);
        fn();
      };
      req.once('error', (error) => done(() => reject(error)));
      req.once('response', (response) => {
        let read = 0;
        const finish = () => done(() => resolve({ statusCode: response.statusCode ?? 0, headers: response.headers }));
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          // Enough: the status decides, the rest of a huge answer is not our problem.
          if (read >= this.options.maxResponseBytes) {
            response.destroy();
            finish();
          }
        });
        response.once('end', finish);
        response.once('error', () => finish());
        response.once('close', finish);
      });
      req.end(body);
    });
  }
}

function describe(error: unknown): string {
  if (error instanceof ForbiddenAddressError) return `webhook URL refused: ${error.message}`;
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
