import type { MediaJob, ProcessingResult } from '../media/media-job';

/**
 * What the pipeline needs from media processing (apps/encoder/src/app/media): one job in, its result
 * out, or a `MediaRejectedError` for a file that cannot be processed. Injected by token so the pipeline
 * can be exercised with a stand-in.
 */
export const MEDIA_PROCESSOR = Symbol('MEDIA_PROCESSOR');

export interface MediaProcessorPort {
  process(job: MediaJob, signal?: AbortSignal): Promise<ProcessingResult>;
}
