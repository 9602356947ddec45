import { Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Put, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Asset } from '@media/asset-model';
import { BearerAuthGuard, CurrentPrincipal, type Principal, RequireScopes } from '@media/scopes';
import { DomainError } from '@media/service-kit';
import type { Request, Response } from 'express';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { parseOr400 } from '../http/request-parsing';
import { actorOf, isAssetId, parsedBody } from '../http/request-context';
import { UploadFormsHandler } from '../uploads/upload-forms.handler';
import { assetNotFound } from './asset-errors';
import { assetListQuerySchema } from './asset-list.query';
import { assetEtag, presentAsset } from './asset.presenter';
import type { AssetRecord } from './asset.record';
import { AssetsService } from './assets.service';

const unsupportedBody = () =>
  new DomainError(415, 'unsupported_content_type', 'Unsupported content type', 'send multipart/form-data, application/json or application/x-www-form-urlencoded');

@Controller('assets')
@UseGuards(BearerAuthGuard)
export class AssetsController {
  constructor(
    private readonly assets: AssetsService,
    private readonly uploadForms: UploadFormsHandler,
    @Inject(INGEST_CONFIG) private readonly config: IngestApiConfig,
  ) {}

  @Post()
  @RequireScopes('assets_publish')
  async create(@CurrentPrincipal() principal: Principal, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<Asset> {
    const actor = actorOf(principal, request);
    const body = parsedBody(request);
    if (body === null) throw unsupportedBody();
    const record = body === undefined ? await this.uploadForms.create(actor, request) : await this.uploadForms.start(actor, body);
    response.status(201).location(`/assets/${record._id}`);
    return this.present(record, response);
  }

  @Get()
  @RequireScopes('assets')
  async list(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>) {
    const parsed = parseOr400(assetListQuerySchema, query, 'invalid_query');
    const { total, items } = await this.assets.list(principal, parsed);
    return { total, skip: parsed.skip, limit: parsed.limit, items: items.map((record) => presentAsset(record, this.config.PUBLIC_BASE_URL)) };
  }

  @Get(':id')
  @RequireScopes('assets')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Res({ passthrough: true }) response: Response): Promise<Asset> {
    if (!isAssetId(id)) throw assetNotFound(id);
    return this.present(await this.assets.get(principal, id), response);
  }

  @Put(':id')
  @RequireScopes('assets_publish')
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Asset> {
    if (!isAssetId(id)) throw assetNotFound(id);
    const body = parsedBody(request);
    if (body === null) throw unsupportedBody();
    return this.present(await this.assets.update(actorOf(principal, request), id, request, body, ifMatch), response);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScopes('assets_delete')
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Headers('if-match') ifMatch: string | undefined, @Req() request: Request): Promise<void> {
    if (!isAssetId(id)) throw assetNotFound(id);
    await this.assets.remove(actorOf(principal, request), id, ifMatch);
  }

  private present(record: AssetRecord, response: Response): Asset {
    response.setHeader('ETag', assetEtag(record));
    return presentAsset(record, this.config.PUBLIC_BASE_URL);
  }
}
