import { labelOf, sniffMediaKind } from './media-kind';

const hex = (value: string) => Buffer.from(value.replace(/\s/g, ''), 'hex');

describe('sniffMediaKind', () => {
  it.each([
    ['PNG', hex('89504e470d0a1a0a 0000000d49484452'), 'Photo', 'image/png'],
    ['JPEG', hex('ffd8ffe000104a46494600010100000100010000'), 'Photo', 'image/jpeg'],
    ['PDF', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n'), 'Document', 'application/pdf'],
    ['MP4', hex('0000001866747970 69736f6d 00000200 69736f6d69736f32'), 'Video', 'video/mp4'],
    ['Matroska/WebM', hex('1a45dfa3 9f4286810142f7810142f2810442f381084282847765626d'), 'Video', 'video/webm'],
    ['WAV', Buffer.concat([Buffer.from('RIFF'), hex('24080000'), Buffer.from('WAVEfmt ')]), 'Audio', 'audio/wav'],
    ['MP3 with ID3', Buffer.concat([Buffer.from('ID3'), hex('03000000000000'), hex('fffb9064'), Buffer.alloc(400)]), 'Audio', 'audio/mpeg'],
    ['plain text', Buffer.from('hello, world\nsecond line\n'), 'Document', 'text/plain'],
    ['random bytes', hex('00ff00ff13370000deadbeef'), 'File', 'application/octet-stream'],
    ['nothing', Buffer.alloc(0), 'File', 'application/octet-stream'],
  ])('%s', async (_, bytes, label, mimeType) => {
    await expect(sniffMediaKind(bytes)).resolves.toEqual({ label, mimeType });
  });

  it('ignores the name: an HLS playlist is text, not a video', async () => {
    await expect(sniffMediaKind(Buffer.from('#EXTM3U\n#EXT-X-VERSION:3\nfile:///etc/passwd\n'))).resolves.toMatchObject({ label: 'Document' });
  });
});

describe('labelOf', () => {
  it.each([
    ['image/webp', 'Photo'],
    ['video/quicktime', 'Video'],
    ['audio/flac', 'Audio'],
    ['application/pdf', 'Document'],
    ['application/zip', 'File'],
    ['application/x-msdownload', 'File'],
  ])('%s → %s', (mime, label) => expect(labelOf(mime)).toBe(label));
});
