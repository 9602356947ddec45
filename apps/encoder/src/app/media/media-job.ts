import type { AssetLabel, CdnFileRole } from '@media/asset-model';
import type { DurationScaling } from './job-time-limit';

/**
 * The seam between the job pipeline (Kafka, job leases, storage I/O) and media processing (ffmpeg,
 * sharp, poppler). The pipeline downloads the original into `inputPath`, calls `processMedia`, uploads
 * every produced file and reports the result; processing never touches the network or the database.
 */
export interface MediaJob {
  label: AssetLabel;
  /** The type decided from the magic bytes at upload, never the client's claim. */
  mimeType: string | null;
  /** Absolute path of the original, inside the job's own temporary directory. */
  inputPath: string;
  /** Empty directory the produced files are written to (removed by the pipeline afterwards). */
  outputDir: string;
  limits: JobLimits;
}

export interface JobLimits {
  /** Wall-clock bound of the whole job; at the bound every child process group is killed. */
  wallClockMs: number;
  /** Audio and video: both bounds grow with the probed duration (`jobTimeLimit`); fixed when absent. */
  durationScaling?: DurationScaling;
  /** CPU seconds per child process (RLIMIT_CPU). */
  cpuSeconds: number;
  /** Address-space bound per child process (RLIMIT_AS), in bytes. */
  memoryBytes: number;
  /** Largest image (width × height) that may be decoded: stops decompression bombs. */
  maxPixels: number;
  /** RLIMIT_FSIZE per child process, in bytes. */
  fileBytes?: number;
  /** RLIMIT_NPROC of the sandbox user. */
  processes?: number;
  /** The unprivileged user and empty network namespace tools run in; absent where the process cannot. */
  isolation?: { uid: number; gid: number };
}

/**
 * One file processing produced. File names are flat (no folders); an HLS playlist refers to its
 * siblings by bare file name, which the pipeline rewrites to their /cdn URLs when it uploads them.
 */
export interface ProducedFile {
  role: CdnFileRole;
  /** Bare file name inside `outputDir`, e.g. `hls-720p.m3u8`. */
  name: string;
  mimeType: string;
  width?: number;
  height?: number;
}

export interface ProcessingResult {
  width: number | null;
  height: number | null;
  /** Seconds. */
  duration: number | null;
  /** Bits per second (audio and video), when known. */
  bitrate: number | null;
  /** PDF page count. */
  pageCount: number | null;
  /** Codec names ffprobe reported for the original (audio and video), e.g. `h264` / `aac`; absent for other kinds. */
  codecs?: { video: string | null; audio: string | null };
  files: ProducedFile[];
}

/** The file cannot be processed (hostile, corrupt, over a limit): the asset ends `failed` with this reason. */
export class MediaRejectedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** What the tool said (stderr tail), for logs only: it may quote the file, so never for clients. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'MediaRejectedError';
  }
}
