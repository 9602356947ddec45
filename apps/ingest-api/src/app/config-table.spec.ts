import { describeReadmeConfigTable } from '@media/testing';
import { ingestApiConfigSchema } from './ingest-api.config';

describeReadmeConfigTable('ingest-api', ingestApiConfigSchema);
