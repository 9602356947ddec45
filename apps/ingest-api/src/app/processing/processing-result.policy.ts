import type { ProcessingResultMessage, ProducedFileMessage } from '@media/asset-model';
import type { AssetChanges, AssetRecord, StoredFile } from '../assets/asset.record';

export type ResultDecision =
  | { kind: 'apply'; changes: AssetChanges }
  /** This result is already on the asset (a redelivered message): nothing changes, nothing is emitted. */
  | { kind: 'duplicate' }
  /** The asset moved on (deleted, source replaced, already finished): the result's own files are deleted. */
  | { kind: 'stale'; reason: string; deleteStorageIds: string[] };

/**
 * What one processing result does to an asset. It applies only while the asset is `processing` the
 * very original the job read; a result for a replaced original or a deleted asset is stale. Pure, so
 * every case is tested without a database.
 */
export function decideProcessingResult(
  asset: Pick<AssetRecord, 'status' | 'files'> | null,
  result: ProcessingResultMessage,
  now: Date,
): ResultDecision {
  const onAsset = new Set((asset?.files ?? []).map((file) => file.storage_file_id));
  // Never delete a file the asset uses, whatever the result claims.
  const stale = (reason: string): ResultDecision => ({ kind: 'stale', reason, deleteStorageIds: result.files.map((file) => file.storage_file_id).filter((id) => !onAsset.has(id)) });
  if (!asset) return stale('the asset was deleted');
  const original = asset.files.find((file) => file.role === 'original');
  if (!original || original.id !== result.original_file_id) return stale('the asset’s original was replaced');
  if (asset.status !== 'processing') {
    const known = new Set(asset.files.map((file) => file.id));
    if (asset.status === result.outcome && result.files.every((file) => known.has(file.id))) return { kind: 'duplicate' };
    return stale(`the asset is ${asset.status}, not processing`);
  }
  if (result.outcome === 'failed') {
    return { kind: 'apply', changes: { status: 'failed', error: result.error, ...facts(result) } };
  }
  return {
    kind: 'apply',
    changes: {
      status: 'ready',
      error: null,
      ...facts(result),
      files: [...asset.files, ...result.files.map((file) => storedFile(file, now))],
    },
  };
}

/** What the processing learnt about the file, copied onto the asset as it is. */
function facts(result: ProcessingResultMessage): Pick<AssetChanges, 'width' | 'height' | 'duration' | 'bitrate' | 'page_count'> {
  return { width: result.width, height: result.height, duration: result.duration, bitrate: result.bitrate, page_count: result.page_count };
}

function storedFile(file: ProducedFileMessage, now: Date): StoredFile {
  return {
    id: file.id,
    storage_file_id: file.storage_file_id,
    role: file.role,
    file: file.file,
    mime_type: file.mime_type,
    size: file.size,
    created_on: now,
    ...(file.width ? { width: file.width } : {}),
    ...(file.height ? { height: file.height } : {}),
  };
}
