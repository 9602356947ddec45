import { Injectable } from '@nestjs/common';
import path from 'node:path';
import { processAudio } from './audio.processor';
import { KEPT_AS_IS, processPdf } from './document.processor';
import { JobContext } from './job-context';
import type { MediaJob, ProcessingResult } from './media-job';
import { processPhoto } from './photo.processor';
import { processVideo } from './video.processor';

/**
 * Turns one original into its renditions. Every tool runs sandboxed under the job's limits;
 * a file that cannot be processed rejects with MediaRejectedError (its `code` is the asset's reason),
 * an abort rejects with the signal's reason, anything else is the machine's fault and worth a retry.
 */
export async function processMedia(job: MediaJob, signal?: AbortSignal): Promise<ProcessingResult> {
  // Tools get absolute paths only, so a name can never be read as an option or a URL.
  if (!path.isAbsolute(job.inputPath) || !path.isAbsolute(job.outputDir)) throw new Error('inputPath and outputDir must be absolute');
  const context = new JobContext(job, signal);
  switch (job.label) {
    case 'Video':
      return processVideo(context);
    case 'Audio':
      return processAudio(context);
    case 'Photo':
      return processPhoto(context);
    case 'Document':
      return job.mimeType === 'application/pdf' ? processPdf(context) : KEPT_AS_IS;
    case 'File':
      return KEPT_AS_IS;
  }
}

/** The same, as a Nest provider the job pipeline injects. */
@Injectable()
export class MediaProcessor {
  process(job: MediaJob, signal?: AbortSignal): Promise<ProcessingResult> {
    return processMedia(job, signal);
  }
}
