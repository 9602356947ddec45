import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { MetricsRegistry } from '@media/service-kit';
import { Counter } from 'prom-client';
import type { FanoutConfig } from '../fanout.config';
import { FANOUT_CONFIG } from '../fanout-config.token';
import { DeliveryRepository } from './delivery.repository';

const SWEEP_MAX_INTERVAL_MS = 60_000;
const SWEEP_BATCH = 1_000;

/**
 * Removes finished deliveries whose retention passed. On MongoDB the TTL index on `expires_at` already
 * does; mongo-java-server accepts TTL indexes but never expires anything, so the sweep keeps the bound
 * true on every server. Bounded per pass; every replica may sweep (deleting twice is harmless).
 */
@Injectable()
export class DeliveryRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryRetention.name);
  private readonly removed: Counter;
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;

  constructor(
    private readonly deliveries: DeliveryRepository,
    @Inject(FANOUT_CONFIG) private readonly config: FanoutConfig,
    metrics: MetricsRegistry,
  ) {
    this.removed = new Counter({
      name: 'fanout_deliveries_expired_total',
      help: 'Finished deliveries removed from the log by the retention sweep after WEBHOOK_DELIVERY_RETENTION_SECONDS',
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    const interval = Math.min(SWEEP_MAX_INTERVAL_MS, this.config.WEBHOOK_DELIVERY_RETENTION_SECONDS * 1000);
    this.timer = setInterval(() => void this.sweep(), interval);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One pass: at most one batch, so a large backlog is worked off over several passes. */
  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    try {
      const count = await this.deliveries.deleteExpired(new Date(), SWEEP_BATCH);
      this.removed.inc(count);
      if (count > 0) this.logger.log({ deliveries: count }, 'removed deliveries past their retention');
      return count;
    } catch (error) {
      this.logger.warn({ err: error }, 'the retention sweep failed; the next pass tries again');
      return 0;
    } finally {
      this.sweeping = false;
    }
  }
}
