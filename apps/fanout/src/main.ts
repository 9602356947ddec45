import { runService } from '@media/service-kit';
import { AppModule } from './app/app.module';
import { loadFanoutConfig } from './app/fanout.config';

void runService(() => {
  const config = loadFanoutConfig();
  return { module: AppModule.register(config), config };
});
