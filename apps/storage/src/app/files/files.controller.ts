import { Controller, Delete, Get, Head, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { AllowCallers, CurrentCaller, type ServiceName } from '@media/service-identity';
import { DomainError, pipeToResponse } from '@media/service-kit';
import type { Request, Response } from 'express';
import { AssetBytesService } from '../assets/asset-bytes.service';
import { assertOctetStream, consumingBody, declaredContentLength } from '../http/request-body.reader';
import { requestInput, headerValue } from '../http/request-input.util';
import { newFileRequestSchema, parseRequest, tenantHeaderSchema } from '../http/storage-request.schemas';
import { FileDownloadService } from './file-download.service';
import { FileUploadService, type StoredFileReceipt } from './file-upload.service';

/** Stored files: written in one request, read with ranges, deleted by id (by the gateway only). */
@Controller('files')
@AllowCallers('ingest-api', 'encoder')
export class FilesController {
  constructor(
    private readonly uploads: FileUploadService,
    private readonly downloads: FileDownloadService,
    private readonly bytes: AssetBytesService,
  ) {}

  @Post()
  async store(@Req() request: Request, @Res({ passthrough: true }) response: Response, @CurrentCaller() caller: ServiceName): Promise<StoredFileReceipt> {
    return consumingBody(request, response, async () => {
      const input = parseRequest(
        newFileRequestSchema,
        requestInput(request, { query: ['max_bytes'], headers: ['x-asset-id', 'x-tenant', 'x-file-name', 'x-content-type', 'x-role'] }),
      );
      // The encoder adds what it derived from an original; originals come only through the gateway.
      if (caller === 'encoder' && input.role === 'original') throw new DomainError(403, 'caller_not_allowed', 'Caller not allowed', 'encoder may store renditions, not originals');
      assertOctetStream(headerValue(request, 'content-type'));
      const receipt = await this.uploads.store(request, input, declaredContentLength(headerValue(request, 'content-length')));
      response.location(`/files/${receipt.file_id}`);
      return receipt;
    });
  }

  @Get(':file_id')
  download(@Param('file_id') fileId: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    return this.send(fileId, request, response, true);
  }

  @Head(':file_id')
  head(@Param('file_id') fileId: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    return this.send(fileId, request, response, false);
  }

  @Delete(':file_id')
  @AllowCallers('ingest-api')
  @HttpCode(204)
  async remove(@Param('file_id') fileId: string, @Req() request: Request): Promise<void> {
    await this.bytes.deleteFile(fileId, parseRequest(tenantHeaderSchema, headerValue(request, 'x-tenant')));
  }

  private async send(fileId: string, request: Request, response: Response, withBody: boolean): Promise<void> {
    const tenant = parseRequest(tenantHeaderSchema, headerValue(request, 'x-tenant'));
    const download = await this.downloads.prepare(fileId, tenant, {
      range: headerValue(request, 'range'),
      ifNoneMatch: headerValue(request, 'if-none-match'),
      ifRange: headerValue(request, 'if-range'),
    }, withBody);
    response.status(download.status).set(download.headers);
    if (!withBody || !download.open) {
      response.end();
      return;
    }
    try {
      await pipeToResponse(download.open(), response);
    } catch (error) {
      // A reader that hangs up mid-file is normal; anything else (a missing chunk) is ours and reported.
      if ((error as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
      throw error;
    }
  }
}
