import { describeServiceBasics, integrationEnv } from '@media/testing';
import { AppModule } from './app.module';
import { loadIngestApiConfig } from './ingest-api.config';

describeServiceBasics('ingest-api', () => AppModule.register(loadIngestApiConfig(integrationEnv('ingest-api'))));
