import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ASSET_EVENT_SOURCE, assetEventEnvelopeSchema, type AssetEventEnvelope, TOPIC_PARTITIONS, TOPICS } from '@media/asset-model';
import { cloudEventHeaders, ensureTopics, KafkaClient } from '@media/messaging';
import type { Producer } from 'kafkajs';
import type { AssetRecord, PendingEvent } from '../assets/asset.record';
import { AssetRepository } from '../assets/asset.repository';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { OutboxSignal } from './outbox.signal';

const BATCH = 100;
const IDLE_POLL_MS = 250;
const MAX_BACKOFF_MS = 5_000;

/**
 * Publishes the events each committed change left on its asset document, then removes them. A crash
 * between Kafka's acknowledgement and the removal publishes the same event id again (at least once);
 * nothing is removed before Kafka has it, so nothing is lost.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private producer: Producer | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private lastSearch = 0;

  constructor(
    private readonly assets: AssetRepository,
    private readonly kafka: KafkaClient,
    private readonly signal: OutboxSignal,
    @Inject(INGEST_CONFIG) private readonly config: Pick<IngestApiConfig, 'OUTBOX_FAILPOINT'>,
  ) {}

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.signal.notify();
    await this.loop;
    await this.producer?.disconnect().catch(() => undefined);
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (this.running) {
      try {
        const published = await this.publishBatch();
        backoff = 100;
        // A full batch means more is waiting; otherwise sleep until a commit signals or the poll comes round.
        if (published < BATCH) await this.signal.wait(IDLE_POLL_MS);
      } catch (error) {
        this.logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'outbox relay: retrying after error');
        await this.signal.wait(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /**
   * One pass. Assets this replica just committed are fetched by id and published first (the low-latency
   * path). Then, when nothing was hinted or at least once per poll interval even under constant load, the
   * outbox is searched: that finds other replicas' leftovers and whatever a crash left behind. Returns how
   * many documents the search found (a full batch means more is waiting).
   */
  private async publishBatch(): Promise<number> {
    const hints = this.signal.takeHints();
    if (hints.length > 0) await this.publishDocuments(await this.assets.findPendingEventsOf(hints));
    if (hints.length > 0 && Date.now() - this.lastSearch < IDLE_POLL_MS) return 0;
    this.lastSearch = Date.now();
    const documents = await this.assets.findWithPendingEvents(BATCH);
    await this.publishDocuments(documents);
    return documents.length;
  }

  /** Each document's events in order, then their removal. */
  private async publishDocuments(documents: Pick<AssetRecord, '_id' | 'pending_events'>[]): Promise<void> {
    if (documents.length === 0) return;
    const producer = await this.connectedProducer();
    for (const document of documents) {
      const events = document.pending_events;
      let messages;
      try {
        messages = events.map((event) => this.toMessage(document._id, event));
      } catch (error) {
        // A pending event that breaks the contract is a bug: it stays (nothing is lost) and is reported,
        // and the other assets' events go on.
        this.logger.error({ asset: document._id, error: error instanceof Error ? error.message : String(error) }, 'outbox: invalid pending event');
        continue;
      }
      await producer.send({ topic: TOPICS.assetEvents, acks: -1, messages });
      if (this.config.OUTBOX_FAILPOINT === 'hang-after-publish') await this.hangForever(events);
      await this.assets.removePublishedEvents(document._id, events.map((event) => event.id));
    }
  }

  /** The failpoint: published, not yet removed, and never will be by this process. */
  private async hangForever(events: PendingEvent[]): Promise<never> {
    this.logger.warn({ events: events.map((event) => event.id) }, 'outbox failpoint hang-after-publish reached');
    return new Promise<never>(() => undefined);
  }

  private toMessage(assetId: string, event: PendingEvent) {
    const envelope: AssetEventEnvelope = assetEventEnvelopeSchema.parse({
      id: event.id,
      created_on: new Date(event.created_on).toISOString(),
      event: event.event,
      tenant: event.tenant,
      performed_by: event.performed_by,
      payload: event.payload,
    });
    return {
      key: assetId,
      value: JSON.stringify(envelope),
      headers: { ...cloudEventHeaders({ id: event.id, type: event.event, source: ASSET_EVENT_SOURCE, time: new Date(event.created_on), traceparent: event.traceparent }) },
    };
  }

  private async connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      await ensureTopics(await this.kafka.connectedAdmin(), [{ topic: TOPICS.assetEvents, partitions: TOPIC_PARTITIONS[TOPICS.assetEvents] }]);
      // Idempotent with one request in flight: retries can neither duplicate nor reorder one asset's events.
      const producer = this.kafka.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }
}
