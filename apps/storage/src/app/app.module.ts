import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceKitModule } from '@media/service-kit';
import type { StorageConfig } from './storage.config';

@Module({})
export class AppModule {
  static register(config: StorageConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceKitModule.forRoot({ service: 'storage', config })],
    };
  }
}
