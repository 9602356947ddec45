import { applyDecorators, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Put, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Asset } from '@media/asset-model';
import { BearerAuthGuard, CurrentPrincipal, type Principal, RequireScopes } from '@media/scopes';
import { DomainError } from '@media/service-kit';
import type { Request, Response } from 'express';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { assetListOpenApi, assetOpenApi, createAssetOpenApi, problemOpenApi, startUploadOpenApi } from '../http/openapi-schemas';
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

const problems = (...statuses: number[]) =>
  applyDecorators(...statuses.map((status) => ApiResponse({ status, description: 'problem+json', content: { 'application/problem+json': { schema: problemOpenApi } } })));
const assetResponse = (status: number, description: string) => ApiResponse({ status, description, schema: assetOpenApi });

@ApiTags('assets')
@ApiBearerAuth()
@Controller('assets')
@UseGuards(BearerAuthGuard)
@problems(400, 401, 403, 404, 409, 412, 413, 415, 422)
export class AssetsController {
  constructor(
    private readonly assets: AssetsService,
    private readonly uploadForms: UploadFormsHandler,
    @Inject(INGEST_CONFIG) private readonly config: IngestApiConfig,
  ) {}

  @Post()
  @RequireScopes('assets_publish')
  @ApiOperation({ summary: 'Upload a file (multipart "source"), or start a resumable upload (upload_phase=start)' })
  @ApiConsumes('multipart/form-data', 'application/json', 'application/x-www-form-urlencoded')
  @ApiBody({ schema: { oneOf: [createAssetOpenApi, startUploadOpenApi] } })
  @assetResponse(201, 'the new asset (processing, or uploading with offsets)')
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
  @ApiOperation({ summary: 'List assets: limit, skip, sort, label, status, reference_id, tags, q' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } })
  @ApiQuery({ name: 'skip', required: false, schema: { type: 'integer', minimum: 0, default: 0 } })
  @ApiQuery({ name: 'sort', required: false, schema: { type: 'string', enum: ['created_on', '-created_on', 'changed_on', '-changed_on', 'name', '-name'] } })
  @ApiQuery({ name: 'label', required: false, schema: { type: 'string', enum: ['Photo', 'Video', 'Audio', 'Document', 'File'] } })
  @ApiQuery({ name: 'status', required: false, schema: { type: 'string', enum: ['uploading', 'processing', 'ready', 'failed'] } })
  @ApiQuery({ name: 'reference_id', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'tags', required: false, schema: { type: 'string' }, description: 'comma-separated; the asset must carry all' })
  @ApiQuery({ name: 'q', required: false, schema: { type: 'string' }, description: 'name contains (case-insensitive)' })
  @ApiResponse({ status: 200, schema: assetListOpenApi })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>) {
    const parsed = parseOr400(assetListQuerySchema, query, 'invalid_query');
    const { total, items } = await this.assets.list(principal, parsed);
    return { total, skip: parsed.skip, limit: parsed.limit, items: items.map((record) => presentAsset(record, this.config.PUBLIC_BASE_URL)) };
  }

  @Get(':id')
  @RequireScopes('assets')
  @ApiOperation({ summary: 'Read one asset (ETag for If-Match)' })
  @assetResponse(200, 'the asset')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Res({ passthrough: true }) response: Response): Promise<Asset> {
    if (!isAssetId(id)) throw assetNotFound(id);
    return this.present(await this.assets.get(principal, id), response);
  }

  @Put(':id')
  @RequireScopes('assets_publish')
  @ApiOperation({ summary: 'Change metadata (JSON or multipart); a multipart "source" replaces the file' })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({ schema: createAssetOpenApi })
  @assetResponse(200, 'the changed asset')
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
  @ApiOperation({ summary: 'Delete an asset; its bytes are removed soon after' })
  @ApiResponse({ status: 204, description: 'deleted' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Headers('if-match') ifMatch: string | undefined, @Req() request: Request): Promise<void> {
    if (!isAssetId(id)) throw assetNotFound(id);
    await this.assets.remove(actorOf(principal, request), id, ifMatch);
  }

  private present(record: AssetRecord, response: Response): Asset {
    response.setHeader('ETag', assetEtag(record));
    return presentAsset(record, this.config.PUBLIC_BASE_URL);
  }
}
