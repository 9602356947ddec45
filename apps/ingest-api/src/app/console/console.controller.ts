import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { DomainError } from '@media/service-kit';
import type { Request, Response } from 'express';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { CONSOLE_CSP, consoleTarget, INDEX_FILE } from './console-files';

/** The build next to this one: `dist/apps/ingest-api/main.js` → `dist/apps/console`. */
export function defaultConsoleDir(): string {
  return path.resolve(path.dirname(process.argv[1] ?? '.'), '..', 'console');
}

/**
 * `GET /console/...`: the media console's static files (a browser app that speaks the public API with the
 * token its user pastes, so the route itself needs none). Thin: which file and how it is cached are decided
 * by `consoleTarget`; this streams it with its type and the page's security headers.
 */
@Controller('console')
export class ConsoleController {
  private readonly root: string;

  constructor(@Inject(INGEST_CONFIG) config: IngestApiConfig) {
    this.root = path.resolve(config.CONSOLE_DIR ?? defaultConsoleDir());
  }

  @Get()
  page(@Req() request: Request, @Res() response: Response): Promise<void> {
    return this.serve('', request, response);
  }

  @Get('*path')
  file(@Param('path') rest: string | string[], @Req() request: Request, @Res() response: Response): Promise<void> {
    // Express 5 hands a wildcard over as its segments.
    return this.serve(Array.isArray(rest) ? rest.join('/') : rest, request, response);
  }

  private async serve(rest: string, request: Request, response: Response): Promise<void> {
    if (!existsSync(path.join(this.root, INDEX_FILE))) {
      throw new DomainError(404, 'console_not_built', 'Console not built', 'this gateway has no console build; run `npx nx build console`');
    }
    const target = consoleTarget(rest, (relative) => isFile(path.join(this.root, relative)));
    if (target.kind === 'not_found') throw new DomainError(404, 'console_file_not_found', 'Not found', 'the console has no such file');
    const file = path.join(this.root, target.relativePath);
    const stats = statSync(file);
    const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
    response.setHeader('Content-Type', target.contentType);
    response.setHeader('Cache-Control', target.cacheControl);
    response.setHeader('ETag', etag);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    if (target.relativePath === INDEX_FILE) response.setHeader('Content-Security-Policy', CONSOLE_CSP);
    if (request.headers['if-none-match'] === etag) {
      response.status(304).end();
      return;
    }
    response.setHeader('Content-Length', String(stats.size));
    response.status(200);
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    await pipeline(createReadStream(file), response);
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
