import { chooseUploadMode, chunkEnd, resumeKey, resumeVerdict } from './upload.plan';

describe('upload plan', () => {
  it('sends small files in one request and large ones resumably, at the threshold inclusive', () => {
    expect(chooseUploadMode(0, 100)).toBe('single');
    expect(chooseUploadMode(99, 100)).toBe('single');
    expect(chooseUploadMode(100, 100)).toBe('resumable');
    expect(chooseUploadMode(10 ** 12, 100)).toBe('resumable');
  });

  it('follows an explicit choice when the size is known, and sends a stream of unknown size in one request', () => {
    expect(chooseUploadMode(10, 100, 'resumable')).toBe('resumable');
    expect(chooseUploadMode(1000, 100, 'single')).toBe('single');
    expect(chooseUploadMode(undefined, 100, 'resumable')).toBe('single');
    expect(chooseUploadMode(undefined, 0)).toBe('single');
  });

  it('cuts chunks at the chunk size and never past the end', () => {
    expect(chunkEnd(0, 10, 25)).toBe(10);
    expect(chunkEnd(20, 10, 25)).toBe(25);
    expect(chunkEnd(7, 10, 25)).toBe(17);
    expect(chunkEnd(25, 10, 25)).toBe(25);
  });

  it('keys resume entries by API address and file, ignoring a trailing slash', () => {
    expect(resumeKey('http://api/', 'f')).toBe(resumeKey('http://api', 'f'));
    expect(resumeKey('http://a', 'f')).not.toBe(resumeKey('http://b', 'f'));
    expect(resumeKey('http://a', 'f')).not.toBe(resumeKey('http://a', 'g'));
  });

  it.each([
    [200, 'resume'],
    [409, 'check-finished'],
    [404, 'start-over'],
    [410, 'start-over'],
  ] as const)('after HTTP %i from the progress endpoint: %s', (status, verdict) => {
    expect(resumeVerdict(status)).toBe(verdict);
  });

  it('refuses to guess on any other answer', () => {
    expect(() => resumeVerdict(403)).toThrow(/HTTP 403/);
    expect(() => resumeVerdict(500)).toThrow(/HTTP 500/);
  });
});
