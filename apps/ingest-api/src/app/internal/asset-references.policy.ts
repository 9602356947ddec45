import { isVariantStorageId } from '@media/asset-model';
import type { AssetRecord } from '../assets/asset.record';

/**
 * The asked ids the asset keeps: its files' storage ids, its open upload's id and, while the asset lives,
 * its image variants. A missing or deleted asset keeps nothing. An upload id stays referenced after finish
 * (it became the original's file id).
 *
 * Variants are a cache the catalog does not list, so they are recognised by their id: storage asks by the
 * owner in the file's metadata, and only the encoder may store a `var-` id, always with the asset it
 * rendered for. Without this the collector would delete every rendered variant of a live asset once past
 * its grace period. A deleted asset's variants go with it (storage deletes by asset id, and the collector
 * takes what that missed); a replaced file's variants are deleted when the file is replaced.
 */
export function referencedIds(asset: Pick<AssetRecord, 'files' | 'upload'> | null, ids: readonly string[]): string[] {
  if (!asset) return [];
  const kept = new Set(asset.files.map((file) => file.storage_file_id));
  if (asset.upload) kept.add(asset.upload.upload_id);
  return ids.filter((id) => kept.has(id) || isVariantStorageId(id));
}
