import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { signWebhook } from '@media/asset-model';
import { ClaimLoop, MetricsRegistry, registerBacklogGauges, ShutdownState } from '@media/service-kit';
import { Counter } from 'prom-client';
import type { FanoutConfig } from '../fanout.config';
import { FANOUT_CONFIG } from '../fanout-config.token';
import { nextRetry, parseRetryAfter } from '../webhooks/retry-schedule';
import { WebhookRepository } from '../webhooks/webhook.repository';
import { type AttemptOutcome, type ClaimedDelivery, DeliveryRepository } from './delivery.repository';
import { FairShare } from './fair-share';
import { type SendResult, WebhookSender } from './webhook.sender';

/**
 * Sends due deliveries. State lives only in MongoDB (`webhook_deliveries`, and the endpoint heads that
 * index them): a restart, or another replica, picks up exactly where this one stopped (a claimed attempt
 * is retried once its lease runs out).
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly loop: ClaimLoop<ClaimedDelivery>;
  private readonly attempts: Counter<'outcome'>;
  private readonly share: FairShare;
  private repairTimer: NodeJS.Timeout | undefined;
  private repairing = false;

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly webhooks: WebhookRepository,
    private readonly sender: WebhookSender,
    @Inject(FANOUT_CONFIG) private readonly config: FanoutConfig,
    metrics: MetricsRegistry,
    shutdown: ShutdownState,
  ) {
    this.attempts = new Counter({
      name: 'fanout_webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome (succeeded, retry, failed, disabled)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    this.share = new FairShare(config.WEBHOOK_TENANT_CONCURRENCY, config.WEBHOOK_ENDPOINT_CONCURRENCY);
    // The webhook objective: deliveries that wait (due, retrying or in flight), and for how long.
    registerBacklogGauges(metrics.registry, {
      countName: 'fanout_webhook_backlog_deliveries',
      ageName: 'fanout_webhook_backlog_oldest_age_seconds',
      what: 'webhook deliveries not yet succeeded or given up (pending)',
      read: () => deliveries.backlog(),
    });
    this.loop = new ClaimLoop<ClaimedDelivery>({
      concurrency: config.WEBHOOK_CONCURRENCY,
      pollIntervalMs: config.WEBHOOK_POLL_INTERVAL_MS,
      claim: async () => {
        const claim = await this.deliveries.claimDue(new Date(), config.WEBHOOK_LEASE_SECONDS * 1000, this.share.saturated());
        if (claim) this.share.acquire(claim.record);
        return claim;
      },
      run: async (claim, signal) => {
        try {
          await this.attempt(claim, signal);
        } finally {
          this.share.release(claim.record);
        }
      },
      // In the trace of the event it delivers (and of the request that caused the event).
      trace: { spanName: 'deliver webhook', traceparentOf: (claim) => claim.record.traceparent },
      handBack: async (claims) => {
        await Promise.all(claims.map((claim) => this.deliveries.releaseClaim(claim).catch(() => false)));
      },
      unit: 'delivery',
      logger: this.logger,
      shutdown,
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
    // At start too: deliveries planned before endpoint heads existed, or by a replica that crashed
    // between a delivery and its head, become claimable without waiting a whole interval.
    void this.repairHeads();
    this.repairTimer = setInterval(() => void this.repairHeads(), this.config.WEBHOOK_HEAD_REPAIR_SECONDS * 1000);
    this.repairTimer.unref();
  }

  /** One pass making every pending delivery known to its endpoint's head; the number of heads corrected. */
  async repairHeads(): Promise<number> {
    if (this.repairing) return 0;
    this.repairing = true;
    try {
      const repaired = await this.deliveries.repairHeads();
      if (repaired > 0) {
        this.logger.log({ heads: repaired }, 'endpoint heads told of pending deliveries they did not list');
        this.wake();
      }
      return repaired;
    } catch (error) {
      this.logger.warn({ err: error }, 'the endpoint head repair failed; the next pass tries again');
      return 0;
    } finally {
      this.repairing = false;
    }
  }

  /**
   * Attempts already on the wire finish and are recorded within the shutdown grace period. The rest are
   * cut and handed back due now, without counting a failure: a restart or another replica sends them at
   * once instead of after the lease (same webhook-id; receivers deduplicate by it).
   */
  onApplicationShutdown(): Promise<void> {
    clearInterval(this.repairTimer);
    return this.loop.stop();
  }

  /** New deliveries exist (or a manual retry): look now instead of at the next poll. */
  wake(): void {
    this.loop.wake();
  }

  /**
   * New deliveries of this tenant exist: look now, unless the tenant already holds its whole share here,
   * when a claim could not take them anyway (a tenant whose endpoints hang, producing events, would
   * otherwise set off a claim per event that finds only other tenants' deliveries, which wake it themselves).
   */
  wakeFor(tenant: string): void {
    if (!this.share.tenantSaturated(tenant)) this.loop.wake();
  }

  private async attempt(claim: ClaimedDelivery, signal: AbortSignal): Promise<void> {
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
    }, signal);
    // Cut by a shutdown: the delivery was handed back, and this cut is nobody's failure to record.
    if (signal.aborted) return;
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
