import { Injectable, Logger } from '@nestjs/common';
import { GridFsRepository } from '../files/grid-fs.repository';
import { ChunkedUploadRepository, type UploadOwner } from '../uploads/chunked-upload.repository';

/**
 * Deleting stored bytes, shared by the HTTP API and the asset-events consumer so both take one path.
 * Every operation is idempotent: Kafka redelivers and callers retry, and a second run finds nothing to do.
 */
@Injectable()
export class AssetBytesService {
  private readonly logger = new Logger(AssetBytesService.name);

  constructor(
    private readonly gridFs: GridFsRepository,
    private readonly uploads: ChunkedUploadRepository,
  ) {}

  async deleteFile(fileId: string, tenant: string): Promise<void> {
    if (await this.gridFs.deleteFile(fileId, tenant)) {
      // The file may have been a completed upload whose bookkeeping a crash left behind.
      await this.uploads.forgetUpload(fileId);
    }
  }

  /** Every GridFS file of the asset and every upload of it, finished or not. */
  async deleteAssetBytes(owner: UploadOwner): Promise<void> {
    const files = await this.gridFs.deleteFilesOfAsset(owner.assetId, owner.tenant);
    const uploadIds = await this.uploads.uploadIdsOf(owner);
    for (const uploadId of uploadIds) await this.uploads.deleteUpload(uploadId);
    this.logger.log({ asset_id: owner.assetId, tenant: owner.tenant, files, uploads: uploadIds.length }, 'deleted the bytes of an asset');
  }

  /** The bytes of uploads that never became a file; a completed upload keeps its file and loses only its bookkeeping. */
  async deleteUnfinishedUploads(owner: UploadOwner): Promise<void> {
    let unfinished = 0;
    for (const uploadId of await this.uploads.uploadIdsOf(owner)) {
      if (await this.gridFs.findFileOfAnyTenant(uploadId)) {
        await this.uploads.forgetUpload(uploadId);
      } else {
        await this.uploads.deleteUpload(uploadId);
        unfinished += 1;
      }
    }
    this.logger.log({ asset_id: owner.assetId, tenant: owner.tenant, uploads: unfinished }, 'deleted the unfinished uploads of an asset');
  }
}
