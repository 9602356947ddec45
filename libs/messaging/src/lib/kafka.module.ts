import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult, TerminusModule } from '@nestjs/terminus';
import { type Admin, Kafka, logLevel } from 'kafkajs';

export interface KafkaOptions {
  clientId: string;
  brokers: readonly string[];
  /**
   * SASL/SCRAM-SHA-512 over TLS: the broker proves itself with its certificate (checked against `ca`, or
   * the system's CAs), the client with its SCRAM user. Absent, the connection is plaintext (local runs).
   */
  saslSsl?: { username: string; password: string; ca?: string };
}

export const KAFKA_OPTIONS = Symbol('KAFKA_OPTIONS');

/** The one kafkajs client of a service; producers, consumers and admins are all made from it. */
@Injectable()
export class KafkaClient implements OnApplicationShutdown {
  readonly kafka: Kafka;
  private admin: Admin | undefined;

  constructor(@Inject(KAFKA_OPTIONS) options: KafkaOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      ...(options.saslSsl
        ? {
            ssl: { rejectUnauthorized: true, ...(options.saslSsl.ca ? { ca: [options.saslSsl.ca] } : {}) },
            sasl: { mechanism: 'scram-sha-512' as const, username: options.saslSsl.username, password: options.saslSsl.password },
          }
        : {}),
      // kafkajs logs every reconnect attempt at ERROR; our readiness probe already reports an absent broker.
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3_000,
      retry: { retries: 5, initialRetryTime: 200 },
    });
  }

  /** A shared admin client, connected lazily so a service can boot (and say "not ready") while Kafka is down. */
  async connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin({ retry: { retries: 0 } });
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  async onApplicationShutdown(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect();
  }
}

/** Readiness: the cluster answers a metadata request within the probe's budget. */
@Injectable()
export class KafkaHealthIndicator {
  constructor(
    private readonly client: KafkaClient,
    private readonly health: HealthIndicatorService,
  ) {}

  async isReady(key = 'kafka', timeoutMs = 2_000): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    try {
      const cluster = await withTimeout(
        this.client.connectedAdmin().then((admin) => admin.describeCluster()),
        timeoutMs,
      );
      return indicator.up({ brokers: cluster.brokers.length });
    } catch (error) {
      // A dead connection is not retried by kafkajs on its own: drop it so the next probe reconnects.
      await this.client.onApplicationShutdown().catch(() => undefined);
      return indicator.down({ message: error instanceof Error ? error.message : 'unreachable' });
    }
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

@Module({})
export class KafkaModule {
  static forRoot(options: KafkaOptions): DynamicModule {
    return {
      module: KafkaModule,
      global: true,
      imports: [TerminusModule],
      providers: [{ provide: KAFKA_OPTIONS, useValue: options }, KafkaClient, KafkaHealthIndicator],
      exports: [KafkaClient, KafkaHealthIndicator],
    };
  }
}
