import { Body, Controller, HttpCode, Param, Post, Put, Req, Res } from '@nestjs/common';
import { AllowCallers } from '@media/service-identity';
import type { Request, Response } from 'express';
import { assertOctetStream, consumingBody, declaredContentLength } from '../http/request-body.reader';
import { headerValue, requestInput } from '../http/request-input.util';
import { chunkTransferRequestSchema, completeUploadRequestSchema, parseRequest } from '../http/storage-request.schemas';
import { type CompletedUpload, ResumableUploadService, type TransferReceipt } from './resumable-upload.service';

/** Resumable uploads: all-or-nothing chunk transfers, then a completion that makes them one file. */
@Controller('uploads')
@AllowCallers('ingest-api')
export class UploadsController {
  constructor(private readonly uploads: ResumableUploadService) {}

  @Put(':upload_id/chunks')
  async transfer(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<TransferReceipt> {
    return consumingBody(request, response, async () => {
      const input = parseRequest(
        chunkTransferRequestSchema,
        requestInput(request, { params: ['upload_id'], query: ['offset', 'max_bytes'], headers: ['x-asset-id', 'x-tenant'] }),
      );
      assertOctetStream(headerValue(request, 'content-type'));
      return this.uploads.transfer(request, input, declaredContentLength(headerValue(request, 'content-length')));
    });
  }

  @Post(':upload_id/complete')
  @HttpCode(200)
  complete(@Param('upload_id') uploadId: unknown, @Body() body: unknown): Promise<CompletedUpload> {
    const fields = typeof body === 'object' && body !== null ? body : {};
    return this.uploads.complete(parseRequest(completeUploadRequestSchema, { ...fields, upload_id: uploadId }));
  }
}
