import { describeConfigContract } from '@media/testing';
import { loadIngestApiConfig } from './ingest-api.config';

describeConfigContract('ingest-api', loadIngestApiConfig);
