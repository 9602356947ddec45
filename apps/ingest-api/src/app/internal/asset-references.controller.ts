import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { type AssetReferencesResponse, assetReferencesRequestSchema } from '@media/asset-model';
import type { TenantId } from '../assets/asset.record';
import { AssetRepository } from '../assets/asset.repository';
import { parseOr400 } from '../http/request-parsing';
import { referencedIds } from './asset-references.policy';

/**
 * Internal, for storage's garbage collector: which stored ids an asset still references. Not part of the
 * public API (no bearer token: the caller is a service, not a tenant; service credentials guard internal
 * routes where the deployment has them).
 */
@ApiExcludeController()
@Controller('internal/asset-references')
export class AssetReferencesController {
  constructor(private readonly assets: AssetRepository) {}

  @Post()
  @HttpCode(200)
  async check(@Body() body: unknown): Promise<AssetReferencesResponse> {
    const request = parseOr400(assetReferencesRequestSchema, body);
    const asset = await this.assets.findOne(request.tenant as TenantId, request.asset_id);
    return { referenced: referencedIds(asset, request.ids) };
  }
}
