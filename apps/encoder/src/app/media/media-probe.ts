import { z } from 'zod';

/** What processing needs to know about an audio or video file, read from ffprobe's JSON. */
export interface MediaProbe {
  /** Name of the demuxer ffprobe chose, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  formatName: string;
  /** Seconds, when the container or a stream knows it. */
  duration: number | null;
  /** Bits per second of the whole file, when known. */
  bitrate: number | null;
  video: VideoStreamProbe | null;
  audio: AudioStreamProbe | null;
}

export interface VideoStreamProbe {
  codec: string;
  /** Displayed size: sample aspect ratio applied and sides swapped for a ±90° rotation. */
  width: number;
  height: number;
  /** Frames per second, when the stream states a sane one. */
  frameRate: number | null;
}

export interface AudioStreamProbe {
  codec: string;
  sampleRate: number;
  channels: number;
}

// ffprobe prints numbers as strings in several fields; everything is optional because hostile files omit anything.
const numeric = z.union([z.string(), z.number()]).optional();
const streamSchema = z.looseObject({
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  sample_aspect_ratio: z.string().optional(),
  avg_frame_rate: z.string().optional(),
  r_frame_rate: z.string().optional(),
  sample_rate: numeric,
  channels: z.number().optional(),
  duration: numeric,
  disposition: z.looseObject({ attached_pic: z.number().optional() }).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  side_data_list: z.array(z.looseObject({ rotation: z.number().optional() })).optional(),
});
const probeSchema = z.object({
  streams: z.array(streamSchema).default([]),
  format: z.looseObject({ format_name: z.string().optional(), duration: numeric, bit_rate: numeric }).optional(),
});
type ProbeStream = z.infer<typeof streamSchema>;

/** Parses `ffprobe -show_format -show_streams -of json`; throws when it is not that shape at all. */
export function parseProbe(json: string): MediaProbe {
  const parsed = probeSchema.parse(JSON.parse(json));
  // Cover art in audio files is a "video" stream with the attached_pic disposition: not a video.
  const videoStream = parsed.streams.find(
    (stream) => stream.codec_type === 'video' && stream.disposition?.attached_pic !== 1 && (stream.width ?? 0) > 0 && (stream.height ?? 0) > 0,
  );
  const audioStream = parsed.streams.find((stream) => stream.codec_type === 'audio');
  const duration = positive(parsed.format?.duration) ?? positive(videoStream?.duration) ?? positive(audioStream?.duration);
  const bitrate = positive(parsed.format?.bit_rate);
  return {
    formatName: parsed.format?.format_name ?? '',
    duration,
    bitrate: bitrate === null ? null : Math.round(bitrate),
    video: videoStream ? videoProbe(videoStream) : null,
    audio: audioStream ? audioProbe(audioStream) : null,
  };
}

function videoProbe(stream: ProbeStream): VideoStreamProbe {
  const sar = ratio(stream.sample_aspect_ratio, ':');
  // Anamorphic sources are shown wider than they are coded; a sane SAR only (hostile files state anything).
  const widthScale = sar !== null && sar >= 0.25 && sar <= 4 ? sar : 1;
  const codedWidth = Math.round((stream.width ?? 0) * widthScale);
  const codedHeight = stream.height ?? 0;
  const quarterTurn = Math.abs(rotationDegrees(stream)) % 180 === 90;
  const frameRate = ratio(stream.avg_frame_rate, '/') ?? ratio(stream.r_frame_rate, '/');
  return {
    codec: stream.codec_name ?? 'unknown',
    width: quarterTurn ? codedHeight : codedWidth,
    height: quarterTurn ? codedWidth : codedHeight,
    frameRate: frameRate !== null && frameRate > 0 && frameRate <= 1000 ? frameRate : null,
  };
}

function audioProbe(stream: ProbeStream): AudioStreamProbe {
  return {
    codec: stream.codec_name ?? 'unknown',
    sampleRate: positive(stream.sample_rate) ?? 0,
    channels: stream.channels ?? 0,
  };
}

/** Newer ffprobe reports the display matrix in side data, older in a `rotate` tag. */
function rotationDegrees(stream: ProbeStream): number {
  const fromSideData = stream.side_data_list?.find((entry) => typeof entry.rotation === 'number')?.rotation;
  if (fromSideData !== undefined) return fromSideData;
  const tag = Number(stream.tags?.['rotate'] ?? 0);
  return Number.isFinite(tag) ? tag : 0;
}

function ratio(text: string | undefined, separator: string): number | null {
  if (!text) return null;
  const [numerator, denominator] = text.split(separator).map(Number);
  if (numerator === undefined || denominator === undefined || !Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator === 0) return null;
  return numerator / denominator;
}

function positive(value: string | number | undefined): number | null {
  const number = typeof value === 'string' ? Number(value) : value;
  return number !== undefined && Number.isFinite(number) && number > 0 ? number : null;
}
