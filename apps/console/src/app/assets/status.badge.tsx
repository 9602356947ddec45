import type { Asset } from '@media/client';

/** The status, its error code when failed, and while uploading how much the server holds. */
export function StatusBadge({ asset }: { asset: Pick<Asset, 'status' | 'error' | 'upload'> }) {
  const error = asset.error as { code?: string; message?: string } | null | undefined;
  const received = asset.status === 'uploading' && asset.upload ? Math.floor((asset.upload.start_offset / asset.upload.file_size) * 100) : undefined;
  return (
    <span class={`status status-${asset.status}`} data-status={asset.status} title={error?.message ?? asset.status}>
      {asset.status}
      {received !== undefined ? ` ${received}%` : ''}
      {error?.code ? ` (${error.code})` : ''}
    </span>
  );
}
