import { describeConfigContract } from '@media/testing';
import { loadStorageConfig } from './storage.config';

describeConfigContract('storage', loadStorageConfig);
