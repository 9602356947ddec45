import { ffprobeArgs, ladderEncodeArgs, mp4RemuxArgs, POSTER_FILE, posterArgs, posterSeekSeconds } from './ffmpeg-args';
import { MediaRejectedError } from './media-job';
import type { MediaProbe, VideoStreamProbe } from './media-probe';
import { MASTER_PLAYLIST, type Rung, chooseLadder, mp4Rung, rungFiles } from './video-ladder';
import type { ProducedFile } from './media-job';

/** Everything a video job runs, decided from the probe alone (pure: the benchmark replays it bare). */
export interface VideoPlan {
  video: VideoStreamProbe;
  rungs: Rung[];
  mp4: Rung;
  encode: string[];
  remux: string[];
  poster: string[];
  /** The poster again from the first frame, for when the seek lands past the last frame. */
  posterFromStart: string[];
  files: ProducedFile[];
}

export function probeCommand(inputPath: string, maxPixels: number): string[] {
  return ffprobeArgs(inputPath, 'Video', maxPixels);
}

/** Refuses what must not be decoded, then plans the ladder; throws MediaRejectedError. */
export function planVideo(probe: MediaProbe, inputPath: string, maxPixels: number): VideoPlan {
  const video = probe.video;
  if (!video) throw new MediaRejectedError('corrupt_file', 'the file has no video stream');
  if (video.width * video.height > maxPixels) {
    throw new MediaRejectedError('too_many_pixels', `a ${video.width}x${video.height} video frame exceeds the pixel limit of ${maxPixels}`);
  }
  const rungs = chooseLadder(video);
  const mp4 = mp4Rung(rungs);
  const top = rungs[0] as Rung;
  const posterSize = { width: top.width, height: top.height };
  const files: ProducedFile[] = [
    { role: 'hls', name: MASTER_PLAYLIST, mimeType: HLS_PLAYLIST_MIME },
    ...rungs.flatMap((rung): ProducedFile[] => {
      const names = rungFiles(rung);
      const size = { width: rung.width, height: rung.height };
      return [
        { role: 'hls', name: names.playlist, mimeType: HLS_PLAYLIST_MIME, ...size },
        { role: 'hls', name: names.media, mimeType: 'video/mp2t', ...size },
      ];
    }),
    { role: 'rendition', name: rungFiles(mp4).mp4, mimeType: 'video/mp4', width: mp4.width, height: mp4.height },
    { role: 'poster', name: POSTER_FILE, mimeType: 'image/jpeg', ...posterSize },
  ];
  return {
    video,
    rungs,
    mp4,
    encode: ladderEncodeArgs({ inputPath, maxPixels, rungs, hasAudio: probe.audio !== null }),
    remux: mp4RemuxArgs(mp4),
    poster: posterArgs(inputPath, maxPixels, posterSeekSeconds(probe.duration), posterSize),
    posterFromStart: posterArgs(inputPath, maxPixels, 0, posterSize),
    files,
  };
}

export const HLS_PLAYLIST_MIME = 'application/vnd.apple.mpegurl';
