import { Injectable } from '@nestjs/common';
import type { AssetMetadata } from '../assets/asset-input';
import { emptyAsset, metadataChanges, originalChanges } from '../assets/asset-factory';
import type { AssetRecord } from '../assets/asset.record';
import { tenantIdOf } from '../assets/asset.record';
import { AssetRepository } from '../assets/asset.repository';
import type { StoredOriginal } from './original-store';
import { type Actor, UploadTransitions } from './upload-transitions';

/** `POST /assets` with a `source` file: the bytes are stored first (by the edge, as they arrive); then the asset, created and uploaded at once. */
@Injectable()
export class OneRequestUploadUseCase {
  constructor(
    private readonly assets: AssetRepository,
    private readonly transitions: UploadTransitions,
  ) {}

  async execute(actor: Actor, assetId: string, original: StoredOriginal, metadata: AssetMetadata): Promise<AssetRecord> {
    const now = new Date();
    return this.assets.insert(
      {
        ...emptyAsset(assetId, tenantIdOf(actor.principal), now),
        ...metadataChanges(metadata),
        ...originalChanges(original),
        name: metadata.name ?? original.name,
      },
      ['asset.created', 'asset.uploaded'],
      this.transitions.eventContext(actor),
    );
  }
}
