import { describeServiceBasics, integrationEnv } from '@media/testing';
import { AppModule } from './app.module';
import { loadFanoutConfig } from './fanout.config';

describeServiceBasics('fanout', () => AppModule.register(loadFanoutConfig(integrationEnv('fanout'))));
