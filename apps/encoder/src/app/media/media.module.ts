import { Module } from '@nestjs/common';
import { MediaProcessor } from './media-processor';

/** Media processing for the job pipeline: import it and inject MediaProcessor. */
@Module({ providers: [MediaProcessor], exports: [MediaProcessor] })
export class MediaModule {}
