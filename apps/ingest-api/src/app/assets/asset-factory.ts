import type { AssetMetadata } from './asset-input';
import type { StoredOriginal } from '../uploads/original-store';
import type { AssetChanges, AssetRecord, TenantId } from './asset.record';

/** A new asset with nothing known about it yet: every field present, so documents have one shape. */
export function emptyAsset(id: string, tenant: TenantId, now: Date): Omit<AssetRecord, 'pending_events' | 'version'> {
  return {
    _id: id,
    tenant,
    label: 'File',
    name: 'Untitled',
    body: null,
    author: null,
    reference_id: null,
    tags: [],
    status: 'uploading',
    original_name: null,
    mime_type: null,
    file_size: null,
    sha256: null,
    width: null,
    height: null,
    duration: null,
    bitrate: null,
    page_count: null,
    error: null,
    files: [],
    upload: null,
    created_on: now,
    changed_on: now,
    deleted_on: null,
  };
}

/** The metadata fields a client set, leaving out the ones it did not send. */
export function metadataChanges(metadata: AssetMetadata): Partial<AssetRecord> {
  return Object.fromEntries(
    (['name', 'body', 'author', 'reference_id', 'tags'] as const).filter((key) => metadata[key] !== undefined).map((key) => [key, metadata[key]]),
  ) as Partial<AssetRecord>;
}

/**
 * The fields of an asset whose original was just stored (a one-request upload or a replacement): what the
 * bytes are, and every fact the processing found about an earlier file cleared, since it runs again.
 */
export function originalChanges(original: StoredOriginal): AssetChanges {
  return {
    label: original.kind.label,
    mime_type: original.kind.mimeType,
    original_name: original.name,
    file_size: original.file.size,
    sha256: original.sha256,
    files: [original.file],
    status: 'processing',
    width: null,
    height: null,
    duration: null,
    bitrate: null,
    page_count: null,
    error: null,
  };
}
