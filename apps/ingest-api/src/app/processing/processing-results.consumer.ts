import { Injectable } from '@nestjs/common';
import { CONSUMER_GROUPS, type ProcessingResultMessage, processingResultSchema, TOPICS } from '@media/asset-model';
import { type ConsumedMessage, ContractConsumer, KafkaClient } from '@media/messaging';
import { MetricsRegistry } from '@media/service-kit';
import { ProcessingResultsService } from './processing-results.service';

/**
 * Consumes `assets.processing-results.v1` (the encoder's results) and applies each to its asset before
 * the offset is committed. A message that breaks the contract is counted, logged and passed over; one
 * that cannot be applied yet (database or storage away) is retried, and left uncommitted after that, so
 * the next member of the group gets it again: a result is never dropped.
 */
@Injectable()
export class ProcessingResultsConsumer extends ContractConsumer<typeof processingResultSchema> {
  constructor(
    kafka: KafkaClient,
    metrics: MetricsRegistry,
    private readonly results: ProcessingResultsService,
  ) {
    super(kafka, metrics.registry, {
      topic: TOPICS.processingResults,
      group: CONSUMER_GROUPS.ingestProcessingResults,
      schema: processingResultSchema,
      onInvalid: 'skip',
      attempts: 5,
      onExhausted: 'redeliver',
      metricPrefix: 'ingest_processing_results',
      describe: "the encoder's results, applied to their assets",
    });
  }

  protected handle({ data, headers }: ConsumedMessage<ProcessingResultMessage>): Promise<string> {
    return this.results.apply(data, headers['traceparent']);
  }
}
