import { audioArgs, DEMUXER_ALLOW_LIST, ffprobeArgs, guardedInput, ladderEncodeArgs, mp4RemuxArgs, posterArgs, posterSeekSeconds } from './ffmpeg-args';
import { chooseLadder } from './video-ladder';

/** The value that follows `flag` in an argv (the first occurrence). */
const after = (argv: string[], flag: string): string | undefined => argv[argv.indexOf(flag) + 1];

describe('guardedInput', () => {
  it('allows only the file protocol, the label’s demuxers and the pixel budget, before the input', () => {
    const argv = guardedInput('/jobs/1/original', 'Video', 1e8);
    expect(argv).toEqual([
      '-protocol_whitelist',
      'file',
      '-format_whitelist',
      'mov,matroska,webm,avi,mpegts,mpeg,flv,ogg,asf',
      '-max_pixels',
      '100000000',
      '-i',
      'file:/jobs/1/original',
    ]);
  });

  it('never allows a demuxer that opens other files', () => {
    for (const list of Object.values(DEMUXER_ALLOW_LIST)) {
      for (const forbidden of ['hls', 'applehttp', 'concat', 'ffconcat', 'image2', 'image2pipe', 'subfile', 'tee', 'lavfi', 'dash', 'rtsp', 'sdp', 'data']) {
        expect(list).not.toContain(forbidden);
      }
    }
  });

  it('seeks on the input side when asked', () => {
    const argv = guardedInput('/in', 'Video', 10, { seekSeconds: 1.5 });
    expect(argv.slice(-4)).toEqual(['-ss', '1.500', '-i', 'file:/in']);
  });
});

describe('ffprobeArgs', () => {
  it('probes through the same guard and prints JSON', () => {
    const argv = ffprobeArgs('/in', 'Audio', 10);
    expect(after(argv, '-format_whitelist')).toBe(DEMUXER_ALLOW_LIST.Audio.join(','));
    expect(argv.slice(-6)).toEqual(['-i', 'file:/in', '-show_format', '-show_streams', '-of', 'json']);
  });
});

describe('ladderEncodeArgs', () => {
  const rungs = chooseLadder({ width: 1920, height: 1080 });

  it('decodes once and splits into one scaled branch per rung', () => {
    const argv = ladderEncodeArgs({ inputPath: '/in', maxPixels: 1e8, rungs, hasAudio: true });
    expect(argv.filter((value) => value === '-i')).toHaveLength(1);
    expect(after(argv, '-filter_complex')).toBe(
      '[0:v:0]split=4[s0][s1][s2][s3];' +
        '[s0]scale=1920:1080:flags=bicubic,setsar=1,format=yuv420p[v0];' +
        '[s1]scale=1280:720:flags=bicubic,setsar=1,format=yuv420p[v1];' +
        '[s2]scale=854:480:flags=bicubic,setsar=1,format=yuv420p[v2];' +
        '[s3]scale=640:360:flags=bicubic,setsar=1,format=yuv420p[v3]',
    );
  });

  it('writes single-file HLS per rung with a master playlist and aligned keyframes', () => {
    const argv = ladderEncodeArgs({ inputPath: '/in', maxPixels: 1e8, rungs, hasAudio: true });
    expect(after(argv, '-c:v')).toBe('libx264');
    expect(after(argv, '-preset')).toBe('veryfast');
    expect(after(argv, '-hls_flags')).toBe('single_file+independent_segments');
    expect(after(argv, '-hls_playlist_type')).toBe('vod');
    expect(after(argv, '-master_pl_name')).toBe('master.m3u8');
    expect(after(argv, '-var_stream_map')).toBe('v:0,a:0,name:1080p v:1,a:1,name:720p v:2,a:2,name:480p v:3,a:3,name:360p');
    expect(after(argv, '-hls_segment_filename')).toBe('hls-%v.ts');
    expect(argv.at(-1)).toBe('hls-%v.m3u8');
    expect(after(argv, '-force_key_frames')).toBe('expr:gte(t,n_forced*2)');
    expect(after(argv, '-sc_threshold')).toBe('0');
    expect(after(argv, '-maxrate:v:1')).toBe('2800k');
    expect(after(argv, '-bufsize:v:1')).toBe('5600k');
    expect(after(argv, '-c:a')).toBe('aac');
  });

  it('maps no audio for a silent source', () => {
    const argv = ladderEncodeArgs({ inputPath: '/in', maxPixels: 1e8, rungs: chooseLadder({ width: 320, height: 240 }), hasAudio: false });
    expect(argv).not.toContain('0:a:0');
    expect(argv).not.toContain('-c:a');
    expect(after(argv, '-var_stream_map')).toBe('v:0,name:240p');
  });
});

describe('mp4RemuxArgs, posterArgs, audioArgs', () => {
  it('remuxes one HLS rendition to a fast-start MP4 without re-encoding', () => {
    const [rung] = chooseLadder({ width: 1280, height: 720 });
    if (!rung) throw new Error('no rung');
    const argv = mp4RemuxArgs(rung);
    expect(after(argv, '-format_whitelist')).toBe('mpegts');
    expect(after(argv, '-i')).toBe('file:hls-720p.ts');
    expect(after(argv, '-c')).toBe('copy');
    expect(after(argv, '-movflags')).toBe('+faststart');
    expect(argv.at(-1)).toBe('video-720p.mp4');
  });

  it('takes the poster a tenth in, at most 5 s, from the first frame when the duration is unknown', () => {
    expect(posterSeekSeconds(null)).toBe(0);
    expect(posterSeekSeconds(4)).toBeCloseTo(0.4);
    expect(posterSeekSeconds(600)).toBe(5);
    const argv = posterArgs('/in', 1e8, 0.4, { width: 1280, height: 720 });
    expect(after(argv, '-ss')).toBe('0.400');
    expect(after(argv, '-frames:v')).toBe('1');
    expect(argv.at(-1)).toBe('poster.jpg');
  });

  it('writes the AAC rendition and mono PCM for the waveform from one decode', () => {
    const argv = audioArgs('/in', 1e8);
    expect(argv.filter((value) => value === '-i')).toHaveLength(1);
    expect(argv).toContain('audio.m4a');
    expect(argv.slice(-12)).toEqual(['-map', '0:a:0', '-vn', '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le', '-f', 's16le', 'pipe:1']);
    expect(after(argv, '-format_whitelist')).toBe(DEMUXER_ALLOW_LIST.Audio.join(','));
  });
});
