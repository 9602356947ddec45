/** One HLS rendition: its name (`720p`) is the short side, so portrait and landscape sources share names. */
export interface Rung {
  name: string;
  width: number;
  height: number;
  /** Peak video bitrate (capped CRF): what the master playlist advertises, and what players plan for. */
  maxVideoKbps: number;
  audioKbps: number;
}

interface RungTemplate {
  shortSide: number;
  longSide: number;
  maxVideoKbps: number;
  audioKbps: number;
}

/** The usual web ladder, largest first. Peak rates follow common H.264 ladders (Apple's HLS authoring spec). */
export const LADDER: readonly RungTemplate[] = [
  { shortSide: 1080, longSide: 1920, maxVideoKbps: 5000, audioKbps: 128 },
  { shortSide: 720, longSide: 1280, maxVideoKbps: 2800, audioKbps: 128 },
  { shortSide: 480, longSide: 854, maxVideoKbps: 1400, audioKbps: 128 },
  { shortSide: 360, longSide: 640, maxVideoKbps: 800, audioKbps: 96 },
];

/** Below the smallest rung the source is encoded once at its own size, at this peak rate. */
const TINY_MAX_VIDEO_KBPS = 500;

export interface FrameSize {
  width: number;
  height: number;
}

/**
 * The renditions for a source of this displayed size: every rung the source is at least as large as,
 * fitted into the rung's box (never larger than the source, even sides for 4:2:0), and at least one rung
 * (the source's own size) for sources smaller than the smallest rung.
 */
export function chooseLadder(source: FrameSize): Rung[] {
  const landscape = source.width >= source.height;
  const sourceShort = Math.min(source.width, source.height);
  const sourceLong = Math.max(source.width, source.height);
  const rungs: Rung[] = [];
  for (const template of LADDER) {
    if (sourceShort < template.shortSide) continue;
    const scale = Math.min(1, template.shortSide / sourceShort, template.longSide / sourceLong);
    const short = Math.min(even(sourceShort * scale), floorEven(sourceShort));
    const long = Math.min(even(sourceLong * scale), floorEven(sourceLong));
    if (rungs.some((rung) => Math.min(rung.width, rung.height) === short)) continue;
    rungs.push({
      name: `${template.shortSide}p`,
      width: landscape ? long : short,
      height: landscape ? short : long,
      maxVideoKbps: template.maxVideoKbps,
      audioKbps: template.audioKbps,
    });
  }
  if (rungs.length > 0) return rungs;
  const width = Math.max(2, floorEven(source.width));
  const height = Math.max(2, floorEven(source.height));
  return [{ name: `${Math.min(width, height)}p`, width, height, maxVideoKbps: TINY_MAX_VIDEO_KBPS, audioKbps: 96 }];
}

/** The rung the MP4 rendition copies: the largest at most 720p (a sensible download size), else the smallest. */
export function mp4Rung(rungs: readonly Rung[]): Rung {
  const fitting = rungs.find((rung) => Math.min(rung.width, rung.height) <= 720);
  const chosen = fitting ?? rungs[rungs.length - 1];
  if (!chosen) throw new Error('a ladder has at least one rung');
  return chosen;
}

/** The nearest even number of pixels (H.264 with 4:2:0 chroma needs even sides): 1280×720 → 854×480. */
function even(pixels: number): number {
  return Math.round(pixels / 2) * 2;
}

/** Rounds down to even: what never exceeds the source. */
function floorEven(pixels: number): number {
  return Math.floor(pixels / 2) * 2;
}

/** File names of a rung's outputs, flat in the output directory. */
export function rungFiles(rung: Pick<Rung, 'name'>): { playlist: string; media: string; mp4: string } {
  return { playlist: `hls-${rung.name}.m3u8`, media: `hls-${rung.name}.ts`, mp4: `video-${rung.name}.mp4` };
}

export const MASTER_PLAYLIST = 'master.m3u8';
