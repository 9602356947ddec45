import { pipeline } from 'node:stream/promises';
import { Controller, Get, Head, Param, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@media/service-kit';
import contentDisposition from 'content-disposition';
import type { Request, Response } from 'express';
import { AssetRepository } from '../assets/asset.repository';
import { isAssetId } from '../http/request-context';
import { StorageClient } from '@media/internal-api';

const notFound = () => new DomainError(404, 'file_not_found', 'File not found', 'no such file');

/** Headers passed from storage to the client as they are. */
const FORWARDED = ['content-type', 'content-length', 'content-range', 'accept-ranges', 'etag', 'last-modified'];

/** Types a browser may show inline; everything else is offered as a download. */
const INLINE = /^(image\/(png|jpeg|gif|webp|avif)|video\/|audio\/|application\/(pdf|vnd\.apple\.mpegurl|json)|text\/plain)/;

/**
 * `GET /cdn/{file id}/{name}`: streams a stored file. The id is an unguessable capability (no token);
 * the trailing name makes relative URLs inside HLS playlists resolve next to it.
 */
@ApiTags('cdn')
@Controller('cdn')
export class CdnController {
  constructor(
    private readonly assets: AssetRepository,
    private readonly storage: StorageClient,
  ) {}

  @Get(':fileId/:name')
  @ApiOperation({ summary: 'Stream a stored file (Range, ETag, If-None-Match)' })
  get(@Param('fileId') fileId: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    return this.serve(fileId, 'GET', request, response);
  }

  @Head(':fileId/:name')
  head(@Param('fileId') fileId: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    return this.serve(fileId, 'HEAD', request, response);
  }

  private async serve(fileId: string, method: 'GET' | 'HEAD', request: Request, response: Response): Promise<void> {
    if (!isAssetId(fileId)) throw notFound();
    const asset = await this.assets.findByServedFileId(fileId);
    const file = asset?.files.find((candidate) => candidate.id === fileId);
    if (!asset || !file) throw notFound();
    const range = request.headers.range;
    const ifNoneMatch = request.headers['if-none-match'];
    const upstream = await this.storage.openFile(file.storage_file_id, { tenant: asset.tenant, method, range, ifNoneMatch });
    const status = upstream.statusCode ?? 502;
    if (status === 404) {
      upstream.resume();
      throw notFound();
    }
    if (status === 416) {
      upstream.resume();
      throw new DomainError(416, 'range_not_satisfiable', 'Range not satisfiable', `the file has ${file.size} bytes`, {}, {
        'Content-Range': `bytes */${file.size}`,
      });
    }
    if (status >= 400) {
      upstream.resume();
      throw new Error(`storage answered ${status} for file ${file.storage_file_id}`);
    }
    response.status(status);
    for (const header of FORWARDED) {
      const value = upstream.headers[header];
      if (value !== undefined) response.setHeader(header, value);
    }
    response.setHeader('Content-Type', file.mime_type);
    // Never let a browser second-guess the type: an uploaded HTML file must not run as a page.
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Content-Security-Policy', "default-src 'none'; media-src 'self'; img-src 'self'; sandbox");
    response.setHeader(
      'Content-Disposition',
      // RFC 6266: an ASCII `filename` for old clients plus `filename*` with the real UTF-8 name; the
      // library quotes and escapes both, so no file name can inject a header.
      contentDisposition(file.file, { type: INLINE.test(file.mime_type) ? 'inline' : 'attachment', fallback: asciiFallback(file.file) }),
    );
    response.setHeader('Cache-Control', 'private, max-age=3600');
    await pipeline(upstream, response);
  }
}

/** The file name with anything outside printable ASCII replaced, for clients that ignore `filename*`. */
function asciiFallback(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
}
