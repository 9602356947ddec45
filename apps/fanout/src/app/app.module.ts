import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceKitModule } from '@media/service-kit';
import type { FanoutConfig } from './fanout.config';

@Module({})
export class AppModule {
  static register(config: FanoutConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceKitModule.forRoot({ service: 'fanout', config })],
    };
  }
}
