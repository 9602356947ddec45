import { describeReadmeConfigTable } from '@media/testing';
import { storageConfigSchema } from './storage.config';

describeReadmeConfigTable('storage', storageConfigSchema);
