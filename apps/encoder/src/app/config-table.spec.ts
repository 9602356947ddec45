import { describeReadmeConfigTable } from '@media/testing';
import { encoderConfigSchema } from './encoder.config';

describeReadmeConfigTable('encoder', encoderConfigSchema);
