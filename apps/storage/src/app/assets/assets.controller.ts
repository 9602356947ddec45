import { Controller, Delete, HttpCode, Req } from '@nestjs/common';
import type { Request } from 'express';
import { requestInput } from '../http/request-input.util';
import { assetFilesRequestSchema, parseRequest } from '../http/storage-request.schemas';
import { AssetBytesService } from './asset-bytes.service';

@Controller('assets')
export class AssetsController {
  constructor(private readonly bytes: AssetBytesService) {}

  /** Every stored byte of an asset: its files and its uploads, finished or not. */
  @Delete(':asset_id/files')
  @HttpCode(204)
  async removeAll(@Req() request: Request): Promise<void> {
    const owner = parseRequest(assetFilesRequestSchema, requestInput(request, { params: ['asset_id'], headers: ['x-tenant'] }));
    await this.bytes.deleteAssetBytes(owner);
  }
}
