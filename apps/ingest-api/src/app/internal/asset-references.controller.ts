import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { type AssetReferencesResponse, assetReferencesRequestSchema } from '@media/internal-api';
import { AllowCallers, ServiceAuthGuard } from '@media/service-identity';
import type { TenantId } from '../assets/asset.record';
import { AssetRepository } from '../assets/asset.repository';
import { parseOr400 } from '../http/request-parsing';
import { referencedIds } from './asset-references.policy';

/**
 * Internal, for storage's garbage collector: which stored ids an asset still references. Not part of the
 * public API: the caller is a service, not a tenant, so it presents a service token instead of a bearer
 * token, and only storage's is taken (the answer decides deletions and reveals any tenant's catalog).
 */
@Controller('internal/asset-references')
@UseGuards(ServiceAuthGuard)
@AllowCallers('storage')
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
