import { Controller, Delete, Head, HttpCode, Inject, Options, Param, Patch, Post, Req, Res, UseGuards } from '@nestjs/common';
import { CurrentPrincipal, type Principal, RequireScopes } from '@media/scopes';
import { DomainError } from '@media/service-kit';
import type { Request, Response } from 'express';
import { assetNotFound } from '../assets/asset-errors';
import { UploadAuthGuard } from '../auth/upload-auth.guard';
import { actorOf, isAssetId } from '../http/request-context';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import {
  assertTusResumable,
  parseUploadChecksum,
  parseUploadLength,
  parseUploadMetadata,
  parseUploadOffset,
  TUS_CONTENT_TYPE,
  tusCapabilities,
  tusLocation,
  uploadExpires,
} from './tus-headers';
import { type TusBody, type TusState, TusUploadsHandler } from './tus-uploads.handler';

/**
 * tus 1.0.0 (core, creation, creation-with-upload, expiration, checksum, termination): headers in and
 * out, nothing else; the uploads themselves are the seed protocol's use cases (see `TusUploadsHandler`).
 * `Tus-Resumable` and CORS headers are set on every answer by `TusHttpMiddleware`, errors included.
 */
@Controller('tus')
export class TusController {
  constructor(
    private readonly uploads: TusUploadsHandler,
    @Inject(INGEST_CONFIG) private readonly config: IngestApiConfig,
  ) {}

  @Options()
  @HttpCode(204)
  discover(@Res({ passthrough: true }) response: Response): void {
    response.set(tusCapabilities(this.config.UPLOAD_MAX_FILE_SIZE));
  }

  @Options(':id')
  @HttpCode(204)
  discoverUpload(@Param('id') id: string, @Res({ passthrough: true }) response: Response): void {
    if (!isAssetId(id)) throw assetNotFound(id);
    response.set(tusCapabilities(this.config.UPLOAD_MAX_FILE_SIZE));
  }

  @Post()
  @HttpCode(201)
  @UseGuards(UploadAuthGuard)
  @RequireScopes('assets_publish')
  async create(@CurrentPrincipal() principal: Principal, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    assertTusResumable(request.header('tus-resumable'));
    const length = parseUploadLength(request.header('upload-length'), request.header('upload-defer-length'));
    const metadata = parseUploadMetadata(request.header('upload-metadata'));
    const body = hasBody(request) ? bodyOf(request) : undefined;
    if (body && body.length !== undefined && body.length > this.config.UPLOAD_MAX_CHUNK_SIZE) {
      // Checked before the asset exists, so a refused creation-with-upload leaves nothing behind.
      throw chunkTooLarge(this.config.UPLOAD_MAX_CHUNK_SIZE);
    }
    const actor = actorOf(principal, request);
    const record = await this.uploads.create(actor, length, metadata);
    const upload = record.upload;
    response.set('Location', tusLocation(this.config.PUBLIC_BASE_URL, record._id));
    if (upload) response.set('Upload-Expires', uploadExpires(upload.expiresAt));
    if (!body) return;
    // creation-with-upload: the body is the first PATCH. If it is refused the upload still exists (the
    // Location above says where), at offset 0, and the problem says why.
    response.set('Upload-Offset', '0');
    writeState(response, await this.uploads.patch(actor, record._id, 0, body));
  }

  @Head(':id')
  @UseGuards(UploadAuthGuard)
  @RequireScopes('assets_publish')
  async head(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    response.set('Cache-Control', 'no-store');
    assertTusResumable(request.header('tus-resumable'));
    if (!isAssetId(id)) throw assetNotFound(id);
    const state = await this.uploads.state(actorOf(principal, request), id);
    writeState(response, state);
    response.set('Upload-Length', String(state.length));
    response.status(200);
  }

  @Patch(':id')
  @HttpCode(204)
  @UseGuards(UploadAuthGuard)
  @RequireScopes('assets_publish')
  async patch(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    assertTusResumable(request.header('tus-resumable'));
    if (!isAssetId(id)) throw assetNotFound(id);
    if (!isTusBody(request)) {
      throw new DomainError(415, 'unsupported_content_type', 'Unsupported content type', `a PATCH body is ${TUS_CONTENT_TYPE}`);
    }
    const offset = parseUploadOffset(request.header('upload-offset'));
    writeState(response, await this.uploads.patch(actorOf(principal, request), id, offset, bodyOf(request)));
  }

  @Delete(':id')
  @HttpCode(204)
  @UseGuards(UploadAuthGuard)
  @RequireScopes('assets_publish')
  async terminate(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Req() request: Request): Promise<void> {
    assertTusResumable(request.header('tus-resumable'));
    if (!isAssetId(id)) throw assetNotFound(id);
    await this.uploads.terminate(actorOf(principal, request), id);
  }
}

function writeState(response: Response, state: TusState): void {
  response.set('Upload-Offset', String(state.offset));
  if (state.expiresAt !== null) response.set('Upload-Expires', uploadExpires(state.expiresAt));
}

function isTusBody(request: Request): boolean {
  return (request.header('content-type') ?? '').split(';')[0].trim().toLowerCase() === TUS_CONTENT_TYPE;
}

/** A creation carries data when it declares the tus body type and some length (or a chunked body). */
function hasBody(request: Request): boolean {
  if (!isTusBody(request)) return false;
  const length = request.header('content-length');
  return length === undefined ? request.header('transfer-encoding') !== undefined : Number(length) > 0;
}

function bodyOf(request: Request): TusBody {
  const length = request.header('content-length');
  return {
    stream: request,
    length: length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined,
    checksum: parseUploadChecksum(request.header('upload-checksum')),
  };
}

function chunkTooLarge(max: number): DomainError {
  return new DomainError(413, 'chunk_too_large', 'Chunk too large', `one PATCH may carry at most ${max} bytes; send smaller chunks`, { max_chunk_size: max });
}
