import type { ProcessingResultMessage } from '@media/asset-model';
import type { AssetRecord, StoredFile } from '../assets/asset.record';
import { decideProcessingResult } from './processing-result.policy';

const now = new Date('2026-11-25T10:00:00Z');
const original: StoredFile = { id: 'orig-public', storage_file_id: 'orig-storage', role: 'original', file: 'film.mp4', mime_type: 'video/mp4', size: 100, created_on: now };
const poster = { id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', storage_file_id: 'poster-storage', role: 'poster' as const, file: 'poster.jpg', mime_type: 'image/jpeg', size: 10, width: 1280, height: 720 };

const ready: ProcessingResultMessage = {
  id: '6f1c2a8e-3d4b-4c5a-9e8f-0a1b2c3d4e5f',
  created_on: now.toISOString(),
  job_id: 'asset-1:orig-public',
  asset_id: 'asset-1',
  tenant: 'acme',
  original_file_id: 'orig-public',
  outcome: 'ready',
  width: 1280,
  height: 720,
  duration: 4,
  bitrate: 1_200_000,
  page_count: null,
  files: [poster],
  error: null,
};
const failed: ProcessingResultMessage = { ...ready, outcome: 'failed', width: null, height: null, duration: null, bitrate: null, files: [], error: { code: 'invalid_media', message: 'not a video' } };

const asset = (changes: Partial<Pick<AssetRecord, 'status' | 'files'>> = {}): Pick<AssetRecord, 'status' | 'files'> => ({ status: 'processing', files: [original], ...changes });

describe('applying a processing result to an asset', () => {
  it('makes a processing asset ready with its dimensions and the produced files after the original', () => {
    expect(decideProcessingResult(asset(), ready, now)).toEqual({
      kind: 'apply',
      changes: {
        status: 'ready',
        error: null,
        width: 1280,
        height: 720,
        duration: 4,
        bitrate: 1_200_000,
        page_count: null,
        files: [original, { ...poster, created_on: now }],
      },
    });
  });

  it('makes a processing asset failed with the reason, keeping its files', () => {
    expect(decideProcessingResult(asset(), failed, now)).toEqual({
      kind: 'apply',
      changes: { status: 'failed', error: { code: 'invalid_media', message: 'not a video' }, width: null, height: null, duration: null, bitrate: null, page_count: null },
    });
  });

  it('recognises a result already applied: nothing changes and nothing is deleted', () => {
    const applied = asset({ status: 'ready', files: [original, { ...poster, created_on: now }] });
    expect(decideProcessingResult(applied, ready, now)).toEqual({ kind: 'duplicate' });
    expect(decideProcessingResult(asset({ status: 'failed' }), failed, now)).toEqual({ kind: 'duplicate' });
  });

  it('calls a result for a replaced original stale and deletes its files', () => {
    const replaced = asset({ files: [{ ...original, id: 'new-original', storage_file_id: 'new-storage' }] });
    expect(decideProcessingResult(replaced, ready, now)).toEqual({ kind: 'stale', reason: expect.stringContaining('replaced'), deleteStorageIds: ['poster-storage'] });
  });

  it('calls a result for a deleted asset stale and deletes its files', () => {
    expect(decideProcessingResult(null, ready, now)).toEqual({ kind: 'stale', reason: 'the asset was deleted', deleteStorageIds: ['poster-storage'] });
  });

  it('calls a second, different result for a finished asset stale, never deleting files the asset uses', () => {
    const other = { ...poster, id: '9a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', storage_file_id: 'other-storage' };
    const finished = asset({ status: 'ready', files: [original, { ...poster, created_on: now }] });
    expect(decideProcessingResult(finished, { ...ready, files: [other, poster] }, now)).toEqual({
      kind: 'stale',
      reason: expect.stringContaining('ready'),
      deleteStorageIds: ['other-storage'],
    });
    expect(decideProcessingResult(asset({ status: 'failed' }), ready, now)).toMatchObject({ kind: 'stale', deleteStorageIds: ['poster-storage'] });
  });

  it('does not apply to an asset still uploading', () => {
    expect(decideProcessingResult(asset({ status: 'uploading', files: [] }), ready, now)).toMatchObject({ kind: 'stale' });
  });
});
