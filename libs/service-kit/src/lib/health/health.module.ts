import { Controller, type DynamicModule, Get, Module, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, MongooseHealthIndicator, TerminusModule } from '@nestjs/terminus';
import { KafkaHealthIndicator } from '@media/messaging';
import { ShutdownState } from '../shutdown/shutdown.state';

const PROBE_TIMEOUT_MS = 2_000;

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly mongo: MongooseHealthIndicator,
    private readonly kafka: KafkaHealthIndicator,
    private readonly shutdown: ShutdownState,
  ) {}

  /** Liveness says only that the event loop answers; restarting a pod because Kafka is down would not help. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Readiness: this replica can do its work, i.e. its database and its broker answer, and it is not draining. */
  @Get('ready')
  @HealthCheck()
  ready() {
    if (this.shutdown.draining) {
      throw new ServiceUnavailableException({ status: 'error', info: {}, error: { shutdown: { status: 'down', message: 'draining after a shutdown signal' } } });
    }
    return this.health.check([
      () => this.mongo.pingCheck('mongodb', { timeout: PROBE_TIMEOUT_MS }),
      () => this.kafka.isReady('kafka', PROBE_TIMEOUT_MS),
    ]);
  }
}

@Module({})
export class HealthModule {
  static forRoot(): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
    };
  }
}
