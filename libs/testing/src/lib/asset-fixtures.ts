import { randomUUID } from 'node:crypto';
import type { Asset, AssetEventEnvelope } from '@media/asset-model';

/** A valid wire asset to build test messages from; override what the test is about. */
export function sampleAsset(changes: Partial<Asset> = {}): Asset {
  return {
    id: randomUUID(),
    created_on: '2026-11-25T10:00:00+00:00',
    changed_on: '2026-11-25T10:00:05+00:00',
    label: 'Video',
    name: 'Launch film',
    body: null,
    author: null,
    reference_id: null,
    tags: [],
    status: 'processing',
    original_name: 'launch.mp4',
    mime_type: 'video/mp4',
    file_size: 10,
    checksum: null,
    width: null,
    height: null,
    duration: null,
    page_count: null,
    bitrate: null,
    cdn_files: { total: 0, items: [] },
    error: null,
    ...changes,
  };
}

/** A valid event envelope around an asset. */
export function sampleEnvelope(event: AssetEventEnvelope['event'], payload: Asset, tenant = 'acme'): AssetEventEnvelope {
  return { id: randomUUID(), created_on: '2026-11-25T10:00:05Z', event, tenant, performed_by: 'tester', payload };
}
