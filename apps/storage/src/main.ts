import { runService } from '@media/service-kit';
import { AppModule } from './app/app.module';
import { loadStorageConfig } from './app/storage.config';

void runService(() => {
  const config = loadStorageConfig();
  return { module: AppModule.register(config), config };
});
