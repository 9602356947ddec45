import type { AssetRecord } from '../assets/asset.record';

/**
 * The asked ids the asset keeps: its files' storage ids and its open upload's id. A missing or deleted
 * asset keeps nothing. An upload id stays referenced after finish (it became the original's file id).
 */
export function referencedIds(asset: Pick<AssetRecord, 'files' | 'upload'> | null, ids: readonly string[]): string[] {
  if (!asset) return [];
  const kept = new Set(asset.files.map((file) => file.storage_file_id));
  if (asset.upload) kept.add(asset.upload.upload_id);
  return ids.filter((id) => kept.has(id));
}
