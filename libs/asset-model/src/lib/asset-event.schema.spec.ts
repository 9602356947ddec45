import { assetEventEnvelopeSchema } from './asset-event.schema';
import type { Asset } from './asset.schema';

const asset: Asset = {
  id: '5b1f6c3e-1111-4222-8333-444455556666',
  created_on: '2026-11-25T10:00:00+00:00',
  changed_on: '2026-11-25T10:00:05+00:00',
  label: 'Video',
  name: 'Launch film',
  body: null,
  author: null,
  reference_id: null,
  tags: ['launch'],
  status: 'processing',
  original_name: 'launch_1080.mp4',
  mime_type: 'video/mp4',
  file_size: 8_308_859,
  checksum: null,
  width: null,
  height: null,
  duration: null,
  page_count: null,
  bitrate: null,
  cdn_files: { total: 0, items: [] },
  error: null,
};

const envelope = {
  id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  created_on: '2026-11-25T10:00:05Z',
  event: 'asset.uploaded',
  tenant: 'acme',
  performed_by: 'user-1',
  payload: asset,
};

describe('asset event envelope', () => {
  it('accepts the documented envelope', () => {
    expect(assetEventEnvelopeSchema.parse(envelope)).toEqual(envelope);
  });

  it.each([
    ['an unknown event type', { ...envelope, event: 'asset.renamed' }],
    ['a non-uuid id', { ...envelope, id: '42' }],
    ['an empty tenant', { ...envelope, tenant: '' }],
    ['a payload with an unknown label', { ...envelope, payload: { ...asset, label: 'Hologram' } }],
    ['a payload without cdn_files', { ...envelope, payload: { ...asset, cdn_files: undefined } }],
  ])('rejects %s', (_, candidate) => {
    expect(assetEventEnvelopeSchema.safeParse(candidate).success).toBe(false);
  });
});
