import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { signWebhook } from '@media/asset-model';
import { MetricsRegistry } from '@media/service-kit';
import { Counter } from 'prom-client';
import type { FanoutConfig } from '../fanout.config';
import { FANOUT_CONFIG } from '../fanout-config.token';
import { nextRetry, parseRetryAfter } from '../webhooks/retry-schedule';
import { WebhookRepository } from '../webhooks/webhook.repository';
import { type AttemptOutcome, type ClaimedDelivery, DeliveryRepository } from './delivery.repository';
import { type SendResult, WebhookSender } from './webhook.sender';

/**
 * Sends due deliveries. State lives only in `webhook_deliveries`: a restart, or another replica, picks up
 * exactly where this one stopped (a claimed attempt is retried once its lease runs out).
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private readonly attempts: Counter<'outcome'>;

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly webhooks: WebhookRepository,
    private readonly sender: WebhookSender,
    @Inject(FANOUT_CONFIG) private readonly config: FanoutConfig,
    metrics: MetricsRegistry,
  ) {
    this.attempts = new Counter({
      name: 'fanout_webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome (succeeded, retry, failed, disabled)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    this.running = this.loop();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.running;
    // Attempts already on the wire finish and are recorded; nothing is left half-written.
    await Promise.all([...this.inFlight]);
  }

  /** New deliveries exist (or a manual retry): look now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      this.woken = false;
      while (!this.stopping && this.inFlight.size < this.config.WEBHOOK_CONCURRENCY) {
        let claim: ClaimedDelivery | null;
        try {
          claim = await this.deliveries.claimDue(new Date(), this.config.WEBHOOK_LEASE_SECONDS * 1000);
        } catch (error) {
          this.logger.warn({ err: error }, 'could not claim due deliveries');
          break;
        }
        if (!claim) break;
        const attempt: Promise<void> = this.deliver(claim)
          .catch((error: unknown) => this.logger.error({ err: error, delivery: claim?.record._id }, 'a delivery attempt failed unexpectedly'))
          .finally(() => {
            this.inFlight.delete(attempt);
            this.wake();
          });
        this.inFlight.add(attempt);
      }
      if (this.stopping || this.woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.config.WEBHOOK_POLL_INTERVAL_MS);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  private async deliver(claim: ClaimedDelivery): Promise<void> {
    const { record } = claim;
    const webhook = await this.webhooks.findOne(record.tenant, record.webhook_id);
    if (!webhook || webhook.status !== 'active') {
      await this.deliveries.recordAttempt(claim, null, { status: 'failed', failures: record.failures }, webhook ? 'the webhook is disabled' : 'the webhook was deleted');
      return;
    }
    const timestamp = Math.floor(Date.now() / 1000);
    const at = new Date();
    const result = await this.sender.send({
      url: webhook.url,
      body: record.body,
      headers: {
        'webhook-id': record.event_id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook({ id: record.event_id, timestamp, body: record.body }, webhook.secret),
      },
    });
    const attempt = {
      at,
      status_code: result.kind === 'response' ? result.statusCode : null,
      error: result.kind === 'error' ? result.error : null,
      duration_ms: result.durationMs,
    };
    const { outcome, error, label } = this.outcomeOf(result, record.failures);
    if (result.kind === 'response' && result.statusCode === 410) {
      await this.webhooks.update(record.tenant, webhook._id, { status: 'disabled', disabled_reason: 'the receiver answered 410 Gone' });
    }
    this.attempts.inc({ outcome: label });
    const recorded = await this.deliveries.recordAttempt(claim, attempt, outcome, error);
    if (!recorded) this.logger.warn({ delivery: record._id }, 'the lease of a delivery ran out during its attempt; another replica owns it now');
  }

  private outcomeOf(result: SendResult, failuresBefore: number): { outcome: AttemptOutcome; error: string | null; label: string } {
    if (result.kind === 'response' && result.statusCode >= 200 && result.statusCode < 300) {
      return { outcome: { status: 'succeeded' }, error: null, label: 'succeeded' };
    }
    const failures = failuresBefore + 1;
    if (result.kind === 'response' && result.statusCode === 410) {
      return { outcome: { status: 'failed', failures }, error: 'HTTP 410: the subscription was disabled', label: 'disabled' };
    }
    const error = result.kind === 'error' ? result.error : `HTTP ${result.statusCode}`;
    const retryAfter = result.kind === 'response' ? headerValue(result.headers['retry-after']) : undefined;
    const decision = nextRetry(failures, this.config.WEBHOOK_RETRY_SCHEDULE_SECONDS, {
      random: Math.random,
      retryAfterMs: parseRetryAfter(retryAfter, Date.now()),
      maxRetryAfterMs: this.config.WEBHOOK_MAX_RETRY_AFTER_SECONDS * 1000,
    });
    if (!decision.retry) return { outcome: { status: 'failed', failures }, error, label: 'failed' };
    return { outcome: { status: 'pending', failures, nextAttemptAt: new Date(Date.now() + decision.delayMs) }, error, label: 'retry' };
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
