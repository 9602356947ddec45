import { Injectable } from '@nestjs/common';
import type { Principal } from '@media/scopes';
import { offsetsOf, type UploadOffsets } from '@media/upload-state-machine';
import { tenantIdOf } from '../assets/asset.record';
import { refusalError } from './refusal.error';
import { UploadTransitions } from './upload-transitions';

/** `GET /assets/{id}/multipart`: where to resume. */
@Injectable()
export class UploadProgressUseCase {
  constructor(private readonly transitions: UploadTransitions) {}

  async execute(principal: Principal, id: string): Promise<UploadOffsets & { id: string }> {
    const record = await this.transitions.requireUpload(tenantIdOf(principal), id);
    const upload = record.upload;
    if (upload.expired || (record.status === 'uploading' && Date.now() >= upload.expiresAt)) {
      throw refusalError({ code: 'upload_expired', status: 410, detail: 'the upload expired; start a new one' });
    }
    return { id, ...offsetsOf(upload) };
  }
}
