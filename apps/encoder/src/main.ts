import { runService } from '@media/service-kit';
import { AppModule } from './app/app.module';
import { loadEncoderConfig } from './app/encoder.config';

void runService(() => {
  const config = loadEncoderConfig();
  return { module: AppModule.register(config), config };
});
