import { describeReadmeConfigTable } from '@media/testing';
import { fanoutConfigSchema } from './fanout.config';

describeReadmeConfigTable('fanout', fanoutConfigSchema);
