import { runService } from '@media/service-kit';
import { AppModule } from './app/app.module';
import { loadIngestApiConfig } from './app/ingest-api.config';
import { ingestApiDocs } from './app/ingest-api.openapi';

void runService(() => {
  const config = loadIngestApiConfig();
  return { module: AppModule.register(config), config, options: ingestApiDocs };
});
