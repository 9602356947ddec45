import { describeConfigContract } from '@media/testing';
import { loadEncoderConfig } from './encoder.config';

describeConfigContract('encoder', loadEncoderConfig);
