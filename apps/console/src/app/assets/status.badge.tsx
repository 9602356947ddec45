import type { Asset } from '@media/client';

export function StatusBadge({ asset }: { asset: Pick<Asset, 'status' | 'error'> }) {
  const error = asset.error as { code?: string; message?: string } | null | undefined;
  return (
    <span class={`status status-${asset.status}`} data-status={asset.status} title={error?.message ?? asset.status}>
      {asset.status}
      {error?.code ? ` (${error.code})` : ''}
    </span>
  );
}
