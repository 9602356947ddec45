import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceKitModule } from '@media/service-kit';
import type { IngestApiConfig } from './ingest-api.config';

@Module({})
export class AppModule {
  static register(config: IngestApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceKitModule.forRoot({ service: 'ingest-api', config })],
    };
  }
}
