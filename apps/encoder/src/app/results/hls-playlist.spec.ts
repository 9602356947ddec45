import { isFlatName, isPlaylist, PlaylistReferenceError, playlistReferences, rewritePlaylist, uploadOrder } from './hls-playlist';

const master = [
  '#EXTM3U',
  '#EXT-X-VERSION:3',
  '#EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"',
  'hls-720p.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360',
  'hls-360p.m3u8',
  '',
].join('\n');

const variant = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-TARGETDURATION:4',
  '#EXT-X-MAP:URI="hls-720p-init.mp4"',
  '#EXTINF:4.000000,',
  'hls-720p-000.ts',
  '#EXTINF:2.500000,',
  'hls-720p-001.ts',
  '#EXT-X-ENDLIST',
  '',
].join('\n');

const ids: Record<string, string> = {
  'hls-720p.m3u8': 'id-v720',
  'hls-360p.m3u8': 'id-v360',
  'hls-720p-init.mp4': 'id-init',
  'hls-720p-000.ts': 'id-s0',
  'hls-720p-001.ts': 'id-s1',
};
const idOf = (name: string) => ids[name];

describe('HLS playlist rewriting', () => {
  it('points a master at its variants by public id, relative to /cdn/<id>/<name>', () => {
    expect(rewritePlaylist(master, idOf)).toBe(master.replace('\nhls-720p.m3u8', '\n../id-v720/hls-720p.m3u8').replace('\nhls-360p.m3u8', '\n../id-v360/hls-360p.m3u8'));
  });

  it('rewrites segment lines and URI attributes of a variant, and leaves every other tag as it was', () => {
    const rewritten = rewritePlaylist(variant, idOf);
    expect(rewritten.split('\n')).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-TARGETDURATION:4',
      '#EXT-X-MAP:URI="../id-init/hls-720p-init.mp4"',
      '#EXTINF:4.000000,',
      '../id-s0/hls-720p-000.ts',
      '#EXTINF:2.500000,',
      '../id-s1/hls-720p-001.ts',
      '#EXT-X-ENDLIST',
      '',
    ]);
  });

  it('resolves to the sibling’s /cdn URL from the playlist’s own URL', () => {
    const line = rewritePlaylist('#EXTM3U\nhls-720p-000.ts\n', idOf).split('\n')[1] ?? '';
    expect(new URL(line, 'https://media.example/cdn/id-v720/hls-720p.m3u8').href).toBe('https://media.example/cdn/id-s0/hls-720p-000.ts');
  });

  it('keeps CRLF line ends', () => {
    expect(rewritePlaylist('#EXTM3U\r\nhls-720p-000.ts\r\n', idOf)).toBe('#EXTM3U\r\n../id-s0/hls-720p-000.ts\r\n');
  });

  it('refuses a reference to a file the job did not produce', () => {
    expect(() => rewritePlaylist('#EXTM3U\nother.ts\n', idOf)).toThrow(PlaylistReferenceError);
  });

  it.each([
    ['an absolute URL', 'http://169.254.169.254/latest'],
    ['a path outside the job', '../../etc/passwd'],
    ['a file protocol', 'file:///etc/passwd'],
  ])('refuses a reference to %s, even when something maps it', (_name, reference) => {
    expect(() => rewritePlaylist(`#EXTM3U\n${reference}\n`, (name) => (name === reference ? 'x' : undefined))).toThrow(PlaylistReferenceError);
  });

  it('lists every reference a playlist makes', () => {
    expect(playlistReferences(variant)).toEqual(['hls-720p-init.mp4', 'hls-720p-000.ts', 'hls-720p-001.ts']);
    expect(playlistReferences(master)).toEqual(['hls-720p.m3u8', 'hls-360p.m3u8']);
  });
});

describe('upload order of a job’s files', () => {
  const refs: Record<string, string[]> = { 'master.m3u8': ['hls-720p.m3u8', 'hls-360p.m3u8'], 'hls-720p.m3u8': ['a.ts'], 'hls-360p.m3u8': ['b.ts'] };
  const isM3u8 = (name: string) => name.endsWith('.m3u8');

  it('stores media first, variants next, the master last', () => {
    const order = uploadOrder(['master.m3u8', 'hls-720p.m3u8', 'a.ts', 'poster.jpg', 'hls-360p.m3u8', 'b.ts'], (name) => refs[name] ?? [], isM3u8);
    expect(order).toEqual(['a.ts', 'poster.jpg', 'b.ts', 'hls-720p.m3u8', 'hls-360p.m3u8', 'master.m3u8']);
  });

  it('refuses playlists that refer to each other in a cycle', () => {
    expect(() => uploadOrder(['x.m3u8', 'y.m3u8'], (name) => (name === 'x.m3u8' ? ['y.m3u8'] : ['x.m3u8']), isM3u8)).toThrow(/cycle/);
  });

  it('recognises playlists by name or type, and only flat names', () => {
    expect(isPlaylist({ name: 'master.m3u8', mimeType: 'application/octet-stream' })).toBe(true);
    expect(isPlaylist({ name: 'index', mimeType: 'application/vnd.apple.mpegurl' })).toBe(true);
    expect(isPlaylist({ name: 'poster.jpg', mimeType: 'image/jpeg' })).toBe(false);
    expect(isFlatName('hls-720p-000.ts')).toBe(true);
    for (const bad of ['', '../x', 'a/b', '.hidden', 'a..b', 'x y']) expect(isFlatName(bad)).toBe(false);
  });
});
