import { type Asset, type CdnFile, formatUrlOf, isRenderableImage } from '@media/asset-model';
import { offsetsOf } from '@media/upload-state-machine';
import type { AssetRecord, StoredFile } from './asset.record';

/** The public URL of a stored file: an unguessable id, then the file name so relative HLS paths resolve. */
export function cdnUrl(publicBaseUrl: string, file: Pick<StoredFile, 'id' | 'file'>): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/cdn/${file.id}/${encodeURIComponent(file.file)}`;
}

/** Renders a stored asset as the wire object (HTTP bodies, event payloads, webhooks). */
export function presentAsset(record: Omit<AssetRecord, 'pending_events'>, publicBaseUrl: string): Asset {
  const items: CdnFile[] = record.files.map((file) => {
    const url = cdnUrl(publicBaseUrl, file);
    return {
      id: file.id,
      created_on: iso(file.created_on),
      label: 'CdnFile',
      role: file.role,
      file: file.file,
      mime_type: file.mime_type,
      size: file.size,
      url,
      // Every image (original photo, thumbnail, poster, preview) can be asked for in any size and format.
      ...(isRenderableImage(file.mime_type) ? { format_url: formatUrlOf(url) } : {}),
      ...(file.width ? { width: file.width } : {}),
      ...(file.height ? { height: file.height } : {}),
    };
  });
  const upload = record.status === 'uploading' && record.upload && !record.upload.expired ? record.upload : null;
  return {
    id: record._id,
    created_on: iso(record.created_on),
    changed_on: iso(record.changed_on),
    label: record.label,
    name: record.name,
    body: record.body,
    author: record.author,
    reference_id: record.reference_id,
    tags: record.tags,
    status: record.status,
    original_name: record.original_name,
    mime_type: record.mime_type,
    file_size: record.file_size,
    checksum: record.sha256 ? { sha256: record.sha256 } : null,
    width: record.width,
    height: record.height,
    duration: record.duration,
    page_count: record.page_count ?? null,
    bitrate: record.bitrate ?? null,
    ...(upload
      ? { upload: { ...offsetsOf(upload), chunk_size: upload.chunkSize, expires_on: iso(new Date(upload.expiresAt)) } }
      : {}),
    cdn_files: { total: items.length, items },
    error: record.error,
  };
}

/** The strong ETag of an asset's current version (`If-Match` compares against it). */
export function assetEtag(record: Pick<AssetRecord, '_id' | 'version'>): string {
  return `"${record._id}.${record.version}"`;
}

/** ISO 8601 with an explicit offset, as the seed writes it. */
function iso(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}
