import type { Principal } from '@media/scopes';
import { currentTraceparent } from '@media/service-kit';
import type { Request } from 'express';
import type { Actor } from '../uploads/upload-transitions';

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * The caller and the request's W3C trace context, for the events a request causes: the request's own span
 * (which continues the caller's `traceparent`, if any), or the caller's header when tracing is off.
 */
export function actorOf(principal: Principal, request: Request): Actor {
  const traceparent = currentTraceparent() ?? request.headers['traceparent'];
  return { principal, ...(typeof traceparent === 'string' && TRACEPARENT.test(traceparent) ? { traceparent } : {}) };
}

/** The parsed JSON or urlencoded body, or undefined when the body is still an unread stream (multipart). */
export function parsedBody(request: Request): unknown {
  if (request.is('multipart/form-data')) return undefined;
  if (request.is(['application/json', 'application/x-www-form-urlencoded'])) return (request.body as unknown) ?? {};
  return null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else cannot name an asset, and is answered as one that does not exist. */
export function isAssetId(id: string): boolean {
  return UUID.test(id);
}
