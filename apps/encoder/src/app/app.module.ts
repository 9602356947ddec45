import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceKitModule } from '@media/service-kit';
import type { EncoderConfig } from './encoder.config';

@Module({})
export class AppModule {
  static register(config: EncoderConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceKitModule.forRoot({ service: 'encoder', config })],
    };
  }
}
