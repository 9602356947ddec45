import { type ProcessingResultMessage, processingJobId, processingResultSchema } from './processing-result.schema';

const ready: ProcessingResultMessage = {
  id: '6f1c2a8e-3d4b-4c5a-9e8f-0a1b2c3d4e5f',
  created_on: '2026-11-25T10:00:00.000Z',
  job_id: 'asset-1:0b0c0d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e',
  asset_id: 'asset-1',
  tenant: 'acme',
  original_file_id: '0b0c0d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e',
  outcome: 'ready',
  width: 1280,
  height: 720,
  duration: 4.02,
  bitrate: 2_500_000,
  page_count: null,
  files: [
    { id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', storage_file_id: '65a1', role: 'poster', file: 'poster.jpg', mime_type: 'image/jpeg', size: 1234, width: 1280, height: 720 },
  ],
  error: null,
};

describe('processing result contract', () => {
  it('accepts a ready result with its files', () => {
    expect(processingResultSchema.parse(ready)).toEqual(ready);
  });

  it('reads a result from an encoder that predates bitrate and page_count as knowing neither', () => {
    const older: Record<string, unknown> = { ...ready };
    delete older['bitrate'];
    delete older['page_count'];
    expect(processingResultSchema.parse(older)).toMatchObject({ bitrate: null, page_count: null });
  });

  it('accepts a failed result with a reason and no files', () => {
    const failed = { ...ready, outcome: 'failed', width: null, height: null, duration: null, files: [], error: { code: 'worker_crashed', message: 'the job killed its worker 3 times' } };
    expect(processingResultSchema.safeParse(failed).success).toBe(true);
  });

  it.each([
    ['a failed result without an error', { outcome: 'failed', files: [] }],
    ['a failed result with files', { outcome: 'failed', error: { code: 'x', message: 'y' } }],
    ['a ready result with an error', { error: { code: 'x', message: 'y' } }],
    ['a produced file claiming to be the original', { files: [{ ...ready.files[0], role: 'original' }] }],
    ['duplicate file ids', { files: [ready.files[0], ready.files[0]] }],
    ['a non-uuid file id', { files: [{ ...ready.files[0], id: 'f1' }] }],
    ['an unknown outcome', { outcome: 'done' }],
    ['a page count of zero', { page_count: 0 }],
    ['a fractional bitrate', { bitrate: 1.5 }],
  ])('refuses %s', (_name, changes) => {
    expect(processingResultSchema.safeParse({ ...ready, ...changes }).success).toBe(false);
  });

  it('names a job by its asset and original', () => {
    expect(processingJobId('a', 'o')).toBe('a:o');
  });
});
