import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Injectable, Logger } from '@nestjs/common';
import { bodyFailureToProblem, limitedBody } from '../http/request-body.reader';
import type { NewFileRequest } from '../http/storage-request.schemas';
import { GRIDFS_CHUNK_SIZE } from '../storage.constants';
import { GridFsRepository } from './grid-fs.repository';

export interface StoredFileReceipt {
  file_id: string;
  length: number;
  sha256: string;
}

/**
 * A one-request upload: the body goes into chunk documents as it arrives, counted and hashed on the way;
 * the `fs.files` document, hash included, comes last, so a file is visible only once it is whole.
 */
@Injectable()
export class FileUploadService {
  private readonly logger = new Logger(FileUploadService.name);

  constructor(private readonly gridFs: GridFsRepository) {}

  async store(body: Readable, request: NewFileRequest, declaredLength?: number): Promise<StoredFileReceipt> {
    const fileId = this.gridFs.newFileId();
    const writer = this.gridFs.chunkWriter(fileId);
    const hash = createHash('sha256');
    let length = 0;
    try {
      for await (const piece of limitedBody(body, request.maxBytes, declaredLength)) {
        hash.update(piece);
        length += piece.length;
        await writer.write(piece);
      }
      await writer.end({ tailAsLastChunk: true });
      const sha256 = hash.digest('hex');
      await this.gridFs.insertFileDocument(
        {
          id: fileId,
          length,
          chunkSize: GRIDFS_CHUNK_SIZE,
          filename: request.fileName,
          metadata: { asset_id: request.assetId, tenant: request.tenant, role: request.role, content_type: request.contentType, sha256 },
        },
        new Date(),
      );
      return { file_id: fileId, length, sha256 };
    } catch (error) {
      // Nothing of a failed upload stays: the insert in flight lands (or fails) first, then every chunk goes.
      await writer.settle();
      await this.gridFs.discardChunks(fileId).catch((cleanup: unknown) => {
        this.logger.error({ err: cleanup, file_id: fileId }, 'could not remove the chunks of a failed upload');
      });
      throw bodyFailureToProblem(error, 'file_too_large');
    }
  }
}
