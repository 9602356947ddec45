import { describeServiceBasics, integrationEnv } from '@media/testing';
import { AppModule } from './app.module';
import { loadStorageConfig } from './storage.config';

describeServiceBasics('storage', () => AppModule.register(loadStorageConfig(integrationEnv('storage'))));
