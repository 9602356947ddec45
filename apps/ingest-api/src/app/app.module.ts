import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { ServiceKitModule } from '@media/service-kit';
import { AssetRepository } from './assets/asset.repository';
import { ASSET_MODEL, assetSchema } from './assets/asset.schema';
import { ServedFilesRepository } from './assets/served-files.repository';
import { AssetsController } from './assets/assets.controller';
import { AssetsService } from './assets/assets.service';
import { AuthModule } from './auth/auth.module';
import { CdnController } from './cdn/cdn.controller';
import { CdnVariantController } from './images/cdn-variant.controller';
import { ImageVariantService } from './images/image-variant.service';
import { AsyncApiController } from './docs/asyncapi.controller';
import { ConsoleController } from './console/console.controller';
import type { IngestApiConfig } from './ingest-api.config';
import { INGEST_CONFIG } from './ingest-config.token';
import { AssetReferencesController } from './internal/asset-references.controller';
import { STORAGE_URL, StorageClient } from '@media/internal-api';
import { OutboxRelay } from './outbox/outbox.relay';
import { UploadMetrics } from './uploads/upload.metrics';
import { OutboxSignal } from './outbox/outbox.signal';
import { ProcessingResultsConsumer } from './processing/processing-results.consumer';
import { ProcessingResultsService } from './processing/processing-results.service';
import { RateLimitInterceptor } from './rate-limit/rate-limit.interceptor';
import { RateLimitRepository } from './rate-limit/rate-limit.repository';
import { MultipartController } from './uploads/multipart.controller';
import { UploadExpirySweeper } from './uploads/upload-expiry.sweeper';
import { FinishUploadUseCase } from './uploads/finish-upload.use-case';
import { OneRequestUploadUseCase } from './uploads/one-request-upload.use-case';
import { OriginalStore } from './uploads/original-store';
import { StartUploadUseCase } from './uploads/start-upload.use-case';
import { TransferChunkUseCase } from './uploads/transfer-chunk.use-case';
import { UploadFormsHandler } from './uploads/upload-forms.handler';
import { UploadProgressUseCase } from './uploads/upload-progress.use-case';
import { UploadTransitions } from './uploads/upload-transitions';
import { FANOUT_URL, FanoutClient, IMAGING_URL, ImagingClient } from '@media/internal-api';
import { ServiceIdentityModule } from '@media/service-identity';
import { WebhooksController } from './webhooks/webhooks.controller';
import { DIRECT_UPLOAD_TOKENS, directUploadTokensFrom } from './auth/direct-upload-tokens.provider';
import { UploadAuthGuard } from './auth/upload-auth.guard';
import { DirectUploadsController } from './direct-uploads/direct-uploads.controller';
import { TusController } from './tus/tus.controller';
import { TusHttpMiddleware } from './tus/tus-http.middleware';
import { TusUploadsHandler } from './tus/tus-uploads.handler';

@Module({})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // Also on POST /tus/:id, which only exists as a method override (X-HTTP-Method-Override: PATCH).
    consumer.apply(TusHttpMiddleware).forRoutes(TusController, { path: 'tus/:id', method: RequestMethod.POST });
  }

  static register(config: IngestApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceKitModule.forRoot({ service: 'ingest-api', config }),
        ServiceIdentityModule.forCaller({ service: 'ingest-api', signingKey: config.SERVICE_SIGNING_KEY, ttlSeconds: config.SERVICE_TOKEN_TTL_SECONDS }),
        // Only the internal controllers take service tokens; the public API keeps customers' bearer tokens.
        ServiceIdentityModule.forCallee({ service: 'ingest-api', trustedKeys: config.SERVICE_TRUSTED_KEYS, scope: 'guarded-routes' }),
        MongooseModule.forFeature([{ name: ASSET_MODEL, schema: assetSchema }]),
        AuthModule.register(config),
      ],
      controllers: [AssetsController, MultipartController, CdnController, CdnVariantController, WebhooksController, AsyncApiController, AssetReferencesController, TusController, DirectUploadsController, ConsoleController],
      providers: [
        { provide: INGEST_CONFIG, useValue: config },
        { provide: STORAGE_URL, useValue: config.STORAGE_URL },
        StorageClient,
        { provide: FANOUT_URL, useValue: config.FANOUT_URL },
        FanoutClient,
        { provide: IMAGING_URL, useValue: config.IMAGING_URL },
        ImagingClient,
        ImageVariantService,
        ServedFilesRepository,
        AssetRepository,
        AssetsService,
        UploadTransitions,
        OriginalStore,
        StartUploadUseCase,
        OneRequestUploadUseCase,
        TransferChunkUseCase,
        FinishUploadUseCase,
        UploadProgressUseCase,
        UploadFormsHandler,
        { provide: DIRECT_UPLOAD_TOKENS, useValue: directUploadTokensFrom(config) },
        UploadAuthGuard,
        TusUploadsHandler,
        UploadMetrics,
        OutboxSignal,
        OutboxRelay,
        UploadExpirySweeper,
        ProcessingResultsService,
        ProcessingResultsConsumer,
        RateLimitRepository,
        { provide: APP_INTERCEPTOR, useClass: RateLimitInterceptor },
      ],
    };
  }
}
