import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { TUS_ALLOWED_HEADERS, TUS_EXPOSED_HEADERS, TUS_VERSION } from './tus-headers';

const OVERRIDABLE = new Set(['PATCH', 'DELETE']);

/** How long a browser may cache a preflight answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 86_400;

/**
 * Runs before the guards, so that every `/tus` answer, a 401 or a 412 included, carries `Tus-Resumable`
 * and, for a configured origin, the CORS headers a browser needs to read it (a tus client in a browser
 * that cannot read `Upload-Offset` cannot resume).
 */
@Injectable()
export class TusHttpMiddleware implements NestMiddleware {
  private readonly anyOrigin: boolean;
  private readonly origins: ReadonlySet<string>;

  constructor(@Inject(INGEST_CONFIG) config: IngestApiConfig) {
    this.anyOrigin = config.TUS_CORS_ORIGINS.includes('*');
    this.origins = new Set(config.TUS_CORS_ORIGINS);
  }

  use(request: Request, response: Response, next: NextFunction): void {
    // tus lets clients that cannot send PATCH or DELETE (old proxies, some runtimes) send POST and name
    // the method in this header; it is honoured before routing, so the request reaches that handler.
    const override = request.header('x-http-method-override')?.trim().toUpperCase();
    if (request.method === 'POST' && override && OVERRIDABLE.has(override)) request.method = override;
    response.setHeader('Tus-Resumable', TUS_VERSION);
    const origin = request.header('origin');
    if (origin && (this.anyOrigin || this.origins.has(origin))) {
      response.setHeader('Access-Control-Allow-Origin', origin);
      response.setHeader('Vary', 'Origin');
      response.setHeader('Access-Control-Expose-Headers', TUS_EXPOSED_HEADERS.join(', '));
      if (request.method === 'OPTIONS' && request.header('access-control-request-method')) {
        response.setHeader('Access-Control-Allow-Methods', 'POST, HEAD, PATCH, DELETE, OPTIONS');
        response.setHeader('Access-Control-Allow-Headers', TUS_ALLOWED_HEADERS.join(', '));
        response.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
      }
    }
    next();
  }
}
