import { Controller, Get, Head, Param, Req, Res } from '@nestjs/common';
import { DomainError } from '@media/service-kit';
import type { Request, Response } from 'express';
import { AssetRepository } from '../assets/asset.repository';
import { isAssetId } from '../http/request-context';
import { StorageClient } from '@media/internal-api';
import { checkedOpen } from './checked-open.util';
import { relayStoredFile } from './stored-file.relay';

const notFound = () => new DomainError(404, 'file_not_found', 'File not found', 'no such file');

/** Types a browser may show inline; everything else is offered as a download. */
const INLINE = /^(image\/(png|jpeg|gif|webp|avif)|video\/|audio\/|application\/(pdf|vnd\.apple\.mpegurl|json)|text\/plain)/;

/**
 * `GET /cdn/{file id}/{name}`: streams a stored file. The id is an unguessable capability (no token);
 * the trailing name makes relative URLs inside HLS playlists resolve next to it.
 */
@Controller('cdn')
export class CdnController {
  constructor(
    private readonly assets: AssetRepository,
    private readonly storage: StorageClient,
  ) {}

  @Get(':fileId/:name')
  get(@Param('fileId') fileId: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    return this.serve(fileId, 'GET', request, response);
  }

  @Head(':fileId/:name')
  head(@Param('fileId') fileId: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    return this.serve(fileId, 'HEAD', request, response);
  }

  private async serve(fileId: string, method: 'GET' | 'HEAD', request: Request, response: Response): Promise<void> {
    if (!isAssetId(fileId)) throw notFound();
    const entry = await this.assets.locateServedFile(fileId);
    if (!entry) throw notFound();
    const range = request.headers.range;
    const ifNoneMatch = request.headers['if-none-match'];
    const opened = await checkedOpen(
      this.assets.servedFileOf(entry),
      this.storage.openFile(entry.storage_file_id, { tenant: entry.tenant, method, range, ifNoneMatch }),
    );
    if (!opened) throw notFound();
    const { file, upstream } = opened;
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
    await relayStoredFile(upstream, response, {
      contentType: file.mime_type,
      fileName: file.file,
      disposition: INLINE.test(file.mime_type) ? 'inline' : 'attachment',
      cacheControl: 'private, max-age=3600',
    });
  }
}
