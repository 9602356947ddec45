import { sampleAsset, sampleEnvelope } from '@media/testing';
import { claimDecision, contentMismatch, jobFromEvent, leaseRenewalIntervalMs, transientDecision } from './encoding-job.policy';

const original = { id: '0b0c0d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e', created_on: '2026-11-25T10:00:00+00:00', label: 'CdnFile' as const, role: 'original' as const, file: 'film.mp4', mime_type: 'video/mp4', size: 10, url: 'https://media.example/cdn/x/film.mp4' };
const uploaded = sampleAsset({ checksum: { sha256: 'b'.repeat(64) }, cdn_files: { total: 1, items: [original] } });

describe('which job an event asks for', () => {
  it('names one job per asset and original for asset.uploaded, carrying what the worker needs', () => {
    const envelope = sampleEnvelope('asset.uploaded', uploaded, 'acme');
    expect(jobFromEvent(envelope, '00-abc-def-01')).toEqual({
      ok: true,
      job: {
        _id: `${uploaded.id}:${original.id}`,
        asset_id: uploaded.id,
        tenant: 'acme',
        original_file_id: original.id,
        sha256: 'b'.repeat(64),
        label: 'Video',
        mime_type: 'video/mp4',
        original_name: 'launch.mp4',
        trigger_event_id: envelope.id,
        traceparent: '00-abc-def-01',
      },
    });
  });

  it('names the same job for a redelivered event and a new one for a replaced original', () => {
    const first = jobFromEvent(sampleEnvelope('asset.uploaded', uploaded), null);
    const again = jobFromEvent(sampleEnvelope('asset.uploaded', uploaded), null);
    const replaced = jobFromEvent(sampleEnvelope('asset.uploaded', { ...uploaded, cdn_files: { total: 1, items: [{ ...original, id: 'new-original' }] } }), null);
    expect(first.ok && again.ok && first.job._id === again.job._id).toBe(true);
    expect(first.ok && replaced.ok && first.job._id !== replaced.job._id).toBe(true);
  });

  it.each([
    ['asset.created', uploaded],
    ['asset.changed', uploaded],
    ['asset.deleted', uploaded],
  ] as const)('ignores %s', (event, asset) => {
    expect(jobFromEvent(sampleEnvelope(event, asset), null)).toMatchObject({ ok: false });
  });

  it('ignores an upload without an original or without a checksum', () => {
    expect(jobFromEvent(sampleEnvelope('asset.uploaded', { ...uploaded, cdn_files: { total: 0, items: [] } }), null)).toMatchObject({ ok: false });
    expect(jobFromEvent(sampleEnvelope('asset.uploaded', { ...uploaded, checksum: null }), null)).toMatchObject({ ok: false });
  });
});

describe('claims and retries', () => {
  it('runs a job up to the bound of attempts, then fails it as worker_crashed without running', () => {
    expect(claimDecision(1, 3)).toEqual({ run: true });
    expect(claimDecision(3, 3)).toEqual({ run: true });
    expect(claimDecision(4, 3)).toEqual({ run: false, code: 'worker_crashed', message: expect.stringContaining('3 times') });
    expect(claimDecision(2, 1)).toMatchObject({ run: false });
  });

  it('pauses a job whose worker died before running it again, once per attempt, longer each time', () => {
    expect(claimDecision(1, 3, null, 30_000)).toEqual({ run: true });
    expect(claimDecision(2, 3, null, 30_000)).toEqual({ run: false, code: 'crash_backoff', delayMs: 30_000 });
    expect(claimDecision(2, 3, 2, 30_000)).toEqual({ run: true });
    expect(claimDecision(3, 3, 2, 30_000)).toEqual({ run: false, code: 'crash_backoff', delayMs: 60_000 });
    expect(claimDecision(3, 3, 3, 30_000)).toEqual({ run: true });
    expect(claimDecision(4, 3, 3, 30_000)).toMatchObject({ run: false, code: 'worker_crashed' });
    expect(claimDecision(12, 20, null, 30_000)).toEqual({ run: false, code: 'crash_backoff', delayMs: 30 * 60_000 });
    expect(claimDecision(2, 3, null, 0)).toEqual({ run: true });
  });

  it('retries after infrastructure errors with growing, jittered delays, then gives up', () => {
    expect(transientDecision(0, () => 0.5)).toEqual({ retry: true, delayMs: 2000 });
    expect(transientDecision(0, () => 0)).toEqual({ retry: true, delayMs: 1600 });
    expect(transientDecision(0, () => 1)).toEqual({ retry: true, delayMs: 2400 });
    const delays = Array.from({ length: 8 }, (_, n) => transientDecision(n, () => 0.5)).map((d) => (d.retry ? d.delayMs : -1));
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
    expect(transientDecision(8)).toEqual({ retry: false });
  });

  it('renews a lease three times per term', () => {
    expect(leaseRenewalIntervalMs(60_000)).toBe(20_000);
    expect(leaseRenewalIntervalMs(300)).toBe(250);
  });
});

describe('names that promise media the bytes are not', () => {
  it.each([
    ['film.mp4', 'Document', 'the file is named .mp4 but its bytes are not a video'],
    ['concat.MP4', 'File', 'the file is named .mp4 but its bytes are not a video'],
    ['song.mp3', 'Document', 'the file is named .mp3 but its bytes are not audio'],
    ['photo.jpeg', 'File', 'the file is named .jpeg but its bytes are not a photo'],
  ] as const)('refuses %s labelled %s', (name, label, message) => {
    expect(contentMismatch(name, label)).toEqual({ code: 'content_mismatch', message });
  });

  it.each([
    ['voice.mp4', 'Audio'],
    ['film.mp4', 'Video'],
    ['report.pdf', 'Document'],
    ['notes.txt', 'Document'],
    ['archive', 'File'],
    [null, 'File'],
    ['playlist.m3u8', 'Document'],
  ] as const)('accepts %s labelled %s', (name, label) => {
    expect(contentMismatch(name, label)).toBeNull();
  });
});
