import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceIdentityModule } from '@media/service-identity';
import { ServiceKitModule } from '@media/service-kit';
import { AssetBytesService } from './assets/asset-bytes.service';
import { AssetEventsConsumer } from './assets/asset-events.consumer';
import { AssetsController } from './assets/assets.controller';
import { GarbageCollector } from './collector/garbage-collector.service';
import { OrphanScanRepository } from './collector/orphan-scan.repository';
import { mongoDbProvider } from './database/mongo-db.provider';
import { BytesInFlightBudget } from './files/bytes-in-flight.budget';
import { FileDownloadService } from './files/file-download.service';
import { FileUploadService } from './files/file-upload.service';
import { FilesController } from './files/files.controller';
import { GridFsRepository } from './files/grid-fs.repository';
import type { StorageConfig } from './storage.config';
import { STORAGE_CONFIG } from './storage-config.token';
import { ChunkedUploadRepository } from './uploads/chunked-upload.repository';
import { ResumableUploadService } from './uploads/resumable-upload.service';
import { RunningHashes } from './uploads/running-hashes';
import { UploadsController } from './uploads/uploads.controller';

@Module({})
export class AppModule {
  static register(config: StorageConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceKitModule.forRoot({ service: 'storage', config }),
        ServiceIdentityModule.forCallee({ service: 'storage', trustedKeys: config.SERVICE_TRUSTED_KEYS }),
        // A caller too: the garbage collector's reference check on ingest-api.
        ServiceIdentityModule.forCaller({ service: 'storage', signingKey: config.SERVICE_SIGNING_KEY, ttlSeconds: config.SERVICE_TOKEN_TTL_SECONDS }),
      ],
      controllers: [FilesController, UploadsController, AssetsController],
      providers: [
        { provide: STORAGE_CONFIG, useValue: config },
        mongoDbProvider,
        // One budget for the whole process: what bounds memory is the sum over every upload running here.
        { provide: BytesInFlightBudget, useValue: new BytesInFlightBudget(config.STORAGE_INSERT_BYTES_IN_FLIGHT) },
        GridFsRepository,
        ChunkedUploadRepository,
        FileUploadService,
        FileDownloadService,
        ResumableUploadService,
        RunningHashes,
        AssetBytesService,
        AssetEventsConsumer,
        OrphanScanRepository,
        GarbageCollector,
      ],
    };
  }
}
