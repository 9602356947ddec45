import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req, Res } from '@nestjs/common';
import { isVariantStorageId } from '@media/asset-model';
import { AllowCallers, CurrentCaller, type ServiceName } from '@media/service-identity';
import { DomainError } from '@media/service-kit';
import type { Request, Response } from 'express';
import { assertOctetStream, consumingBody, declaredContentLength } from '../http/request-body.reader';
import { headerValue, requestInput } from '../http/request-input.util';
import {
  abandonUploadRequestSchema,
  chunkSha256RequestSchema,
  chunkTransferRequestSchema,
  completeUploadRequestSchema,
  parseRequest,
} from '../http/storage-request.schemas';
import { type ChunkSha256, type CompletedUpload, ResumableUploadService, type TransferReceipt } from './resumable-upload.service';

/**
 * The encoder uses uploads only to store an image variant under its chosen id, with role `variant`;
 * everything else here is the gateway's.
 */
function assertCallerMayUpload(caller: ServiceName, uploadId: unknown, role?: unknown): void {
  if (caller !== 'encoder') return;
  if (typeof uploadId === 'string' && isVariantStorageId(uploadId) && (role === undefined || role === 'variant')) return;
  throw new DomainError(403, 'caller_not_allowed', 'Caller not allowed', 'encoder may upload image variants only');
}

/** Resumable uploads: all-or-nothing chunk transfers, then a completion that makes them one file. */
@Controller('uploads')
@AllowCallers('ingest-api', 'encoder')
export class UploadsController {
  constructor(private readonly uploads: ResumableUploadService) {}

  @Put(':upload_id/chunks')
  async transfer(@Req() request: Request, @Res({ passthrough: true }) response: Response, @CurrentCaller() caller: ServiceName): Promise<TransferReceipt> {
    return consumingBody(request, response, async () => {
      assertCallerMayUpload(caller, request.params['upload_id']);
      const input = parseRequest(
        chunkTransferRequestSchema,
        requestInput(request, { params: ['upload_id'], query: ['offset', 'max_bytes', 'chunk_sha256'], headers: ['x-asset-id', 'x-tenant'] }),
      );
      assertOctetStream(headerValue(request, 'content-type'));
      return this.uploads.transfer(request, input, declaredContentLength(headerValue(request, 'content-length')));
    });
  }

  /** The hash of a transfer made with `chunk_sha256=false`, for a checksum the caller learnt only afterwards. */
  @Get(':upload_id/chunks/sha256')
  chunkSha256(@Req() request: Request, @CurrentCaller() caller: ServiceName): Promise<ChunkSha256> {
    assertCallerMayUpload(caller, request.params['upload_id']);
    return this.uploads.chunkSha256(
      parseRequest(chunkSha256RequestSchema, requestInput(request, { params: ['upload_id'], query: ['offset', 'end'], headers: ['x-asset-id', 'x-tenant'] })),
    );
  }

  @Post(':upload_id/complete')
  @HttpCode(200)
  complete(@Param('upload_id') uploadId: unknown, @Body() body: unknown, @CurrentCaller() caller: ServiceName): Promise<CompletedUpload> {
    const fields = typeof body === 'object' && body !== null ? body : {};
    assertCallerMayUpload(caller, uploadId, (fields as { role?: unknown }).role ?? null);
    return this.uploads.complete(parseRequest(completeUploadRequestSchema, { ...fields, upload_id: uploadId }));
  }

  /** An unfinished upload given up: its bytes go now (a completed file stays; that is a 409). */
  @Delete(':upload_id')
  @HttpCode(204)
  abandon(@Req() request: Request, @CurrentCaller() caller: ServiceName): Promise<void> {
    assertCallerMayUpload(caller, request.params['upload_id']);
    return this.uploads.abandon(parseRequest(abandonUploadRequestSchema, requestInput(request, { params: ['upload_id'], headers: ['x-asset-id', 'x-tenant'] })));
  }
}
