import { describeServiceBasics, identityEnv, integrationEnv } from '@media/testing';
import { AppModule } from './app.module';
import { loadEncoderConfig } from './encoder.config';

// Storage is not needed to boot; the workers find no jobs in the fresh database.
describeServiceBasics('encoder', () => AppModule.register(loadEncoderConfig(integrationEnv('encoder', { ...identityEnv('encoder'), STORAGE_URL: 'http://127.0.0.1:9' }))));
