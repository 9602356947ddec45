import { describeConfigContract } from '@media/testing';
import { loadFanoutConfig } from './fanout.config';

describeConfigContract('fanout', loadFanoutConfig);
