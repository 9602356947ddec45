import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { bodyFailureToProblem, limitedBody } from '../http/request-body.reader';
import type { NewFileRequest } from '../http/storage-request.schemas';
import { GridFsRepository } from './grid-fs.repository';

export interface StoredFileReceipt {
  file_id: string;
  length: number;
  sha256: string;
}

/** A one-request upload: the body goes into one GridFS file as it arrives, counted and hashed on the way. */
@Injectable()
export class FileUploadService {
  constructor(private readonly gridFs: GridFsRepository) {}

  async store(body: Readable, request: NewFileRequest, declaredLength?: number): Promise<StoredFileReceipt> {
    const upload = this.gridFs.openUpload(request.fileName, {
      asset_id: request.assetId,
      tenant: request.tenant,
      role: request.role,
      content_type: request.contentType,
    });
    const hash = createHash('sha256');
    let length = 0;
    try {
      for await (const piece of limitedBody(body, request.maxBytes, declaredLength)) {
        hash.update(piece);
        length += piece.length;
        await upload.write(piece);
      }
      await upload.finish();
    } catch (error) {
      await upload.abort();
      throw bodyFailureToProblem(error, 'file_too_large');
    }
    const sha256 = hash.digest('hex');
    try {
      await this.gridFs.recordSha256(upload.id, sha256);
    } catch (error) {
      // The caller never learns this id, so the file would only be garbage: take it back, then report.
      await this.gridFs.deleteFile(upload.id, request.tenant).catch(() => undefined);
      throw error;
    }
    return { file_id: upload.id, length, sha256 };
  }
}
