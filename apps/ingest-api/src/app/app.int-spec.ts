import { describeServiceBasics, gatewayIntegrationEnv } from '@media/testing';
import { AppModule } from './app.module';
import { loadIngestApiConfig } from './ingest-api.config';

describeServiceBasics('ingest-api', () =>
  AppModule.register(
    loadIngestApiConfig(
      gatewayIntegrationEnv('ingest-api'),
    ),
  ),
);
