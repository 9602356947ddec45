import { describeServiceBasics, integrationEnv } from '@media/testing';
import { AppModule } from './app.module';
import { loadEncoderConfig } from './encoder.config';

describeServiceBasics('encoder', () => AppModule.register(loadEncoderConfig(integrationEnv('encoder'))));
