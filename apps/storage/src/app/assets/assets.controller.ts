import { Controller, Delete, Get, HttpCode, Req } from '@nestjs/common';
import { AllowCallers } from '@media/service-identity';
import type { Request } from 'express';
import { requestInput } from '../http/request-input.util';
import { assetFileLookupRequestSchema, assetFilesRequestSchema, parseRequest } from '../http/storage-request.schemas';
import { GridFsRepository } from '../files/grid-fs.repository';

/** More files than any asset has (an HLS ladder is a few hundred segments); the answer stays bounded. */
const LOOKUP_LIMIT = 1000;

export interface AssetFileSummary {
  file_id: string;
  length: number;
  sha256: string | null;
  role: string;
  file_name: string;
  content_type: string;
  upload_date: string;
}
import { AssetBytesService } from './asset-bytes.service';

@Controller('assets')
@AllowCallers('ingest-api', 'encoder')
export class AssetsController {
  constructor(
    private readonly bytes: AssetBytesService,
    private readonly gridFs: GridFsRepository,
  ) {}

  /**
   * The stored files of an asset, narrowed by `role` and `sha256` (the encoder finds the original an
   * `asset.uploaded` event names by its hash). An empty list, never a 404: "none yet" is an answer.
   */
  @Get(':asset_id/files')
  async list(@Req() request: Request): Promise<{ items: AssetFileSummary[] }> {
    const lookup = parseRequest(
      assetFileLookupRequestSchema,
      requestInput(request, { params: ['asset_id'], query: ['role', 'sha256'], headers: ['x-tenant'] }),
    );
    const files = await this.gridFs.findFilesOfAsset(lookup.owner, { role: lookup.role, sha256: lookup.sha256 }, LOOKUP_LIMIT);
    return {
      items: files.map((file) => ({
        file_id: file.id,
        length: file.length,
        sha256: file.metadata.sha256,
        role: file.metadata.role,
        file_name: file.filename,
        content_type: file.metadata.content_type,
        upload_date: file.uploadDate.toISOString(),
      })),
    };
  }

  /** Every stored byte of an asset: its files and its uploads, finished or not. */
  @Delete(':asset_id/files')
  @AllowCallers('ingest-api')
  @HttpCode(204)
  async removeAll(@Req() request: Request): Promise<void> {
    const owner = parseRequest(assetFilesRequestSchema, requestInput(request, { params: ['asset_id'], headers: ['x-tenant'] }));
    await this.bytes.deleteAssetBytes(owner);
  }
}
