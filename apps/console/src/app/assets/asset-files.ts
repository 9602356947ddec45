import type { Asset } from '@media/client';

export type CdnFile = NonNullable<Asset['cdn_files']>['items'][number];

function byRole(asset: Asset, role: CdnFile['role']): CdnFile[] {
  return (asset.cdn_files?.items ?? []).filter((file) => file.role === role);
}

/** The picture a grid shows: a thumbnail, else a poster or a document's preview, else a photo's original. */
export function thumbnailOf(asset: Asset): CdnFile | undefined {
  const candidates = [...byRole(asset, 'thumbnail'), ...byRole(asset, 'poster'), ...byRole(asset, 'preview')];
  if (candidates.length === 0 && asset.label === 'Photo') candidates.push(...byRole(asset, 'original'));
  // The smallest thumbnail is plenty for a 160-pixel tile.
  return candidates.sort((a, b) => (a.width ?? Infinity) - (b.width ?? Infinity))[0];
}

/** The master playlist: of the `hls` files, the one whose name says so (variant playlists are its children). */
export function hlsMasterOf(asset: Asset): CdnFile | undefined {
  const playlists = byRole(asset, 'hls').filter((file) => file.mime_type.includes('mpegurl') || file.file.endsWith('.m3u8'));
  return playlists.find((file) => file.file === 'master.m3u8') ?? playlists[0];
}

export function renditionOf(asset: Asset): CdnFile | undefined {
  return byRole(asset, 'rendition')[0];
}

export function posterOf(asset: Asset): CdnFile | undefined {
  return byRole(asset, 'poster')[0];
}

export function waveformOf(asset: Asset): CdnFile | undefined {
  return byRole(asset, 'waveform')[0];
}

export function previewOf(asset: Asset): CdnFile | undefined {
  return byRole(asset, 'preview')[0];
}

export function originalOf(asset: Asset): CdnFile | undefined {
  return byRole(asset, 'original')[0];
}

/** Statuses that still change without anyone asking: the views poll while one is shown. */
export function isSettling(asset: Pick<Asset, 'status'>): boolean {
  return asset.status === 'uploading' || asset.status === 'processing';
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
