import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { BearerAuthGuard, CurrentPrincipal, type DirectUploadTokens, type Principal, RequireScopes } from '@media/scopes';
import { DomainError } from '@media/service-kit';
import { DIRECT_UPLOAD_TOKENS } from '../auth/direct-upload-tokens.provider';
import { parseOr400 } from '../http/request-parsing';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { type DirectUpload, directUploadRequestSchema } from './direct-upload.input';

/**
 * Direct uploads: an application's backend, holding an API token, asks for a one-time upload URL and
 * token and hands them to a browser, which never sees the API token. Nothing is stored yet: the token
 * reserves an asset id, and the browser's tus creation (allowed once) makes the asset.
 */
@Controller('uploads')
@UseGuards(BearerAuthGuard)
export class DirectUploadsController {
  constructor(
    @Inject(DIRECT_UPLOAD_TOKENS) private readonly tokens: DirectUploadTokens | null,
    @Inject(INGEST_CONFIG) private readonly config: IngestApiConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @RequireScopes('assets_publish')
  async create(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<DirectUpload> {
    if (!this.tokens) {
      throw new DomainError(404, 'direct_uploads_disabled', 'Direct uploads are off', 'this gateway has no direct-upload signing key configured');
    }
    const { max_size: requestedMax, allowed_labels: allowedLabels = [], ...metadata } = parseOr400(directUploadRequestSchema, body ?? {});
    const maxSize = Math.min(requestedMax ?? this.config.UPLOAD_MAX_FILE_SIZE, this.config.UPLOAD_MAX_FILE_SIZE);
    const id = randomUUID();
    const { token, expiresAt } = await this.tokens.mint({
      tenant: principal.tenant,
      subject: principal.subject,
      assetId: id,
      maxSize,
      allowedLabels,
      metadata,
      ttlSeconds: this.config.DIRECT_UPLOAD_TTL_SECONDS,
    });
    return { id, upload_url: `${this.config.PUBLIC_BASE_URL.replace(/\/+$/, '')}/tus`, token, expires_on: expiresAt.toISOString().replace('.000Z', '+00:00'), max_size: maxSize, allowed_labels: allowedLabels };
  }
}
