import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceKitModule } from '@media/service-kit';
import type { EncoderConfig } from './encoder.config';
import { ENCODER_CONFIG } from './encoder-config.token';
import { AssetUploadedConsumer } from './jobs/asset-uploaded.consumer';
import { EncoderMetrics } from './jobs/encoder.metrics';
import { EncodingJobRepository } from './jobs/encoding-job.repository';
import { EncodingWorker } from './jobs/encoding.worker';
import { JobWorkspace } from './jobs/job-workspace';
import { MEDIA_PROCESSOR } from './jobs/media-processor.port';
import { MediaModule } from './media/media.module';
import { MediaProcessor } from './media/media-processor';
import { ProcessingResultsReporter } from './results/processing-results.reporter';
import { ResultUploader } from './results/result-uploader';
import { EncoderStorageClient, STORAGE_URL } from '@media/internal-api';
import { ServiceIdentityModule } from '@media/service-identity';
import { ImageRenderPool } from './variants/image-render.pool';
import { ImageSourceCache } from './variants/image-source.cache';
import { VariantClaimRepository } from './variants/variant-claim.repository';
import { VariantRenderService } from './variants/variant-render.service';
import { VariantsController } from './variants/variants.controller';

@Module({})
export class AppModule {
  static register(config: EncoderConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceKitModule.forRoot({ service: 'encoder', config }),
        ServiceIdentityModule.forCaller({ service: 'encoder', signingKey: config.SERVICE_SIGNING_KEY, ttlSeconds: config.SERVICE_TOKEN_TTL_SECONDS }),
        // A callee too, on every route (it has no public API): renders only for ingest-api's service token.
        ServiceIdentityModule.forCallee({ service: 'encoder', trustedKeys: config.SERVICE_TRUSTED_KEYS }),
        MediaModule,
      ],
      controllers: [VariantsController],
      providers: [
        { provide: ENCODER_CONFIG, useValue: config },
        { provide: STORAGE_URL, useValue: config.STORAGE_URL },
        { provide: MEDIA_PROCESSOR, useExisting: MediaProcessor },
        EncoderMetrics,
        EncoderStorageClient,
        JobWorkspace,
        EncodingJobRepository,
        ResultUploader,
        ProcessingResultsReporter,
        EncodingWorker,
        AssetUploadedConsumer,
        ImageRenderPool,
        ImageSourceCache,
        VariantClaimRepository,
        VariantRenderService,
      ],
    };
  }
}
