import { type Rung, MASTER_PLAYLIST, rungFiles } from './video-ladder';

/**
 * Pure argv builders for ffprobe and ffmpeg: probe result + limits in, argument arrays out. Nothing here
 * runs a process, so every flag that matters for safety is pinned by unit tests without a binary.
 */

export type AvKind = 'Video' | 'Audio';

/**
 * Demuxers each label may open. The upload decided the label from magic bytes; ffmpeg probes again and
 * would happily pick a playlist or script format (hls, concat, image2 patterns, subfile tricks) that
 * opens further files, so only plain media containers are allowed. Nested demuxers inherit the list.
 */
export const DEMUXER_ALLOW_LIST: Record<AvKind, readonly string[]> = {
  Video: ['mov', 'matroska', 'webm', 'avi', 'mpegts', 'mpeg', 'flv', 'ogg', 'asf'],
  Audio: ['mp3', 'aac', 'flac', 'wav', 'ogg', 'mov', 'matroska', 'aiff', 'asf', 'amr'],
};

/** The options that come before every `-i` of an untrusted file (ffprobe and ffmpeg take the same). */
export function guardedInput(inputPath: string, kind: AvKind, maxPixels: number, { seekSeconds }: { seekSeconds?: number } = {}): string[] {
  return [
    // Only the local file protocol: no http, tcp, data, subfile, concat or crypto URLs from inside a file.
    '-protocol_whitelist',
    'file',
    '-format_whitelist',
    DEMUXER_ALLOW_LIST[kind].join(','),
    // The decoder refuses frames above the pixel budget before allocating them.
    '-max_pixels',
    String(Math.floor(maxPixels)),
    ...(seekSeconds !== undefined && seekSeconds > 0 ? ['-ss', seconds(seekSeconds)] : []),
    // `file:` keeps a name with a colon from being read as another protocol.
    '-i',
    `file:${inputPath}`,
  ];
}

export function ffprobeArgs(inputPath: string, kind: AvKind, maxPixels: number): string[] {
  return ['-hide_banner', '-v', 'error', ...guardedInput(inputPath, kind, maxPixels), '-show_format', '-show_streams', '-of', 'json'];
}

const COMMON = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'];

/** x264 speed for a small shared machine: veryfast keeps 1080p near real time on two cores. */
export const X264_PRESET = 'veryfast';
export const KEYFRAME_SECONDS = 2;
export const HLS_SEGMENT_SECONDS = 6;

export interface LadderEncodeInput {
  inputPath: string;
  maxPixels: number;
  rungs: readonly Rung[];
  hasAudio: boolean;
}

/**
 * One ffmpeg run for the whole ladder: the source is decoded once, split, scaled per rung and encoded
 * into single-file HLS renditions (one playlist + one .ts each, byte ranges) plus the master playlist.
 * Keyframes every 2 s without scene-cut keyframes align segment boundaries across renditions.
 */
export function ladderEncodeArgs({ inputPath, maxPixels, rungs, hasAudio }: LadderEncodeInput): string[] {
  const splits = rungs.map((_, index) => `[s${index}]`).join('');
  const scales = rungs.map((rung, index) => `[s${index}]scale=${rung.width}:${rung.height}:flags=bicubic,setsar=1,format=yuv420p[v${index}]`);
  const filter = [`[0:v:0]split=${rungs.length}${splits}`, ...scales].join(';');
  const maps = rungs.flatMap((_, index) => ['-map', `[v${index}]`, ...(hasAudio ? ['-map', '0:a:0'] : [])]);
  const rates = rungs.flatMap((rung, index) => [
    `-maxrate:v:${index}`,
    `${rung.maxVideoKbps}k`,
    `-bufsize:v:${index}`,
    `${rung.maxVideoKbps * 2}k`,
    ...(hasAudio ? [`-b:a:${index}`, `${rung.audioKbps}k`] : []),
  ]);
  const streamMap = rungs.map((rung, index) => `v:${index}${hasAudio ? `,a:${index}` : ''},name:${rung.name}`).join(' ');
  const pattern = rungFiles({ name: '%v' });
  return [
    ...COMMON,
    ...guardedInput(inputPath, 'Video', maxPixels),
    '-filter_complex',
    filter,
    ...maps,
    '-c:v',
    'libx264',
    '-preset',
    X264_PRESET,
    '-profile:v',
    'high',
    '-crf',
    '23',
    ...rates,
    '-force_key_frames',
    `expr:gte(t,n_forced*${KEYFRAME_SECONDS})`,
    '-sc_threshold',
    '0',
    '-fpsmax',
    '60',
    ...(hasAudio ? ['-c:a', 'aac', '-ac', '2'] : []),
    // Metadata and chapters of the original are not carried into the renditions.
    '-map_metadata',
    '-1',
    '-map_chapters',
    '-1',
    '-f',
    'hls',
    '-hls_time',
    String(HLS_SEGMENT_SECONDS),
    '-hls_playlist_type',
    'vod',
    '-hls_flags',
    'single_file+independent_segments',
    '-master_pl_name',
    MASTER_PLAYLIST,
    '-var_stream_map',
    streamMap,
    '-hls_segment_filename',
    pattern.media,
    pattern.playlist,
  ];
}

/** The MP4 rendition is a remux of one HLS rendition (no second encode), moov first for progressive play. */
export function mp4RemuxArgs(rung: Rung): string[] {
  const files = rungFiles(rung);
  return [
    ...COMMON,
    // Our own output, but read with the same guard: one rule for every input.
    '-protocol_whitelist',
    'file',
    '-format_whitelist',
    'mpegts',
    '-i',
    `file:${files.media}`,
    '-map',
    '0',
    '-c',
    'copy',
    '-movflags',
    '+faststart',
    files.mp4,
  ];
}

/** Where the poster frame is taken: a tenth in, at most 5 s (skips fade-ins without seeking far). */
export function posterSeekSeconds(duration: number | null): number {
  if (duration === null) return 0;
  return Math.min(5, duration / 10);
}

export const POSTER_FILE = 'poster.jpg';

export function posterArgs(inputPath: string, maxPixels: number, seekSeconds: number, size: { width: number; height: number }): string[] {
  return [
    ...COMMON,
    ...guardedInput(inputPath, 'Video', maxPixels, { seekSeconds }),
    '-map',
    '0:v:0',
    '-frames:v',
    '1',
    '-vf',
    `scale=${size.width}:${size.height}:flags=bicubic,setsar=1`,
    '-q:v',
    '3',
    '-f',
    'image2',
    '-update',
    '1',
    POSTER_FILE,
  ];
}

export const AUDIO_RENDITION_FILE = 'audio.m4a';
export const AUDIO_RENDITION_KBPS = 128;
/** Waveform peaks are computed from mono 16-bit PCM at this rate: enough for a picture of loudness. */
export const WAVEFORM_SAMPLE_RATE = 16_000;

/**
 * One decode for both audio outputs: the AAC rendition (fast start) and raw mono PCM on stdout, which
 * the waveform accumulator reads as a stream.
 */
export function audioArgs(inputPath: string, maxPixels: number): string[] {
  return [
    ...COMMON,
    ...guardedInput(inputPath, 'Audio', maxPixels),
    '-map',
    '0:a:0',
    '-vn',
    '-c:a',
    'aac',
    '-b:a',
    `${AUDIO_RENDITION_KBPS}k`,
    '-ac',
    '2',
    '-map_metadata',
    '-1',
    '-movflags',
    '+faststart',
    AUDIO_RENDITION_FILE,
    '-map',
    '0:a:0',
    '-vn',
    '-ac',
    '1',
    '-ar',
    String(WAVEFORM_SAMPLE_RATE),
    '-c:a',
    'pcm_s16le',
    '-f',
    's16le',
    'pipe:1',
  ];
}

function seconds(value: number): string {
  return value.toFixed(3);
}
