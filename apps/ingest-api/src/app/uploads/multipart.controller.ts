import { Controller, Get, HttpCode, Inject, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { CurrentPrincipal, type Principal, RequireScopes } from '@media/scopes';
import { DomainError } from '@media/service-kit';
import type { Request, Response } from 'express';
import { UploadAuthGuard } from '../auth/upload-auth.guard';
import { assetNotFound } from '../assets/asset-errors';
import { assetEtag, presentAsset } from '../assets/asset.presenter';
import { actorOf, isAssetId, parsedBody } from '../http/request-context';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { UploadFormsHandler } from './upload-forms.handler';
import { UploadProgressUseCase } from './upload-progress.use-case';

@Controller('assets/:id/multipart')
// A direct-upload token is good here too, for its own asset (see UploadAuthGuard).
@UseGuards(UploadAuthGuard)
export class MultipartController {
  constructor(
    private readonly forms: UploadFormsHandler,
    private readonly progressOf: UploadProgressUseCase,
    @Inject(INGEST_CONFIG) private readonly config: IngestApiConfig,
  ) {}

  @Post()
  @HttpCode(200)
  @RequireScopes('assets_publish')
  async post(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    if (!isAssetId(id)) throw assetNotFound(id);
    const body = parsedBody(request);
    if (body === null) {
      throw new DomainError(415, 'unsupported_content_type', 'Unsupported content type', 'a transfer is multipart/form-data; a finish may also be JSON or a form');
    }
    const outcome = await this.forms.multipart(actorOf(principal, request), id, request, body);
    if (outcome.kind === 'transfer') return outcome.offsets;
    response.setHeader('ETag', assetEtag(outcome.record));
    return presentAsset(outcome.record, this.config.PUBLIC_BASE_URL);
  }

  @Get()
  @RequireScopes('assets_publish')
  progress(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    if (!isAssetId(id)) throw assetNotFound(id);
    return this.progressOf.execute(principal, id);
  }
}
