import { describeServiceBasics, identityEnv, integrationEnv } from '@media/testing';
import { AppModule } from './app.module';
import { loadIngestApiConfig } from './ingest-api.config';

describeServiceBasics('ingest-api', () =>
  AppModule.register(
    loadIngestApiConfig(
      integrationEnv('ingest-api', {
        ...identityEnv('ingest-api'),
        JWT_HS256_SECRET: 'integration-secret-of-at-least-32-bytes',
        STORAGE_URL: 'http://127.0.0.1:9',
        FANOUT_URL: 'http://127.0.0.1:9',
        IMAGING_URL: 'http://127.0.0.1:9',
        PUBLIC_BASE_URL: 'http://127.0.0.1:9',
      }),
    ),
  ),
);
