import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { KafkaModule } from '@media/messaging';
import { LoggerModule } from 'nestjs-pino';
import { type BaseConfig, kafkaConnection } from '../config/load-config';
import { HealthModule } from '../health/health.module';
import { MetricsModule } from '../metrics/metrics.module';
import { ProblemDetailsFilter } from '../problem/problem-details.filter';
import { InFlightInterceptor } from '../shutdown/in-flight.interceptor';
import { ShutdownState } from '../shutdown/shutdown.state';
import { startTracing, traceFields, traceResponseHeader, type Tracing } from '../tracing/tracing';

export interface ServiceKitOptions {
  /** Service name: metric label, Kafka client id, log field. */
  service: string;
  config: BaseConfig;
}

const REQUEST_ID_HEADER = 'x-request-id';
const TRACING = Symbol('TRACING');

/** Flushes spans still waiting for export when the service stops. */
@Injectable()
class TracingLifecycle implements OnApplicationShutdown {
  constructor(@Inject(TRACING) private readonly tracing: Tracing) {}

  async onApplicationShutdown(): Promise<void> {
    await this.tracing.shutdown();
  }
}
const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/** What every service has: JSON logs, its database, its Kafka client, health, metrics, problem+json errors. */
@Module({})
export class ServiceKitModule {
  static forRoot({ service, config }: ServiceKitOptions): DynamicModule {
    // Before any request or message: HTTP servers and clients are instrumented as they are used.
    const tracing = startTracing(service);
    return {
      module: ServiceKitModule,
      // Global so that health, workers and consumers of any module can see the shutdown state.
      global: true,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            name: service,
            level: config.LOG_LEVEL,
            // Every line logged while serving a request or handling a message names its trace.
            mixin: traceFields,
            // A caller's request id is kept (and answered back).
            genReqId: (req, res) => {
              const incoming = req.headers[REQUEST_ID_HEADER];
              // Without one, the trace id: the same in every service the request reaches (and on every log line).
              const id = typeof incoming === 'string' && /^[\w.-]{1,128}$/.test(incoming) ? incoming : (traceFields()['trace_id'] ?? randomUUID());
              res.setHeader(REQUEST_ID_HEADER, id);
              const traceResponse = traceResponseHeader();
              if (traceResponse) res.setHeader('traceresponse', traceResponse);
              return id;
            },
            autoLogging: { ignore: (req) => QUIET_PATHS.has(req.url ?? '') },
            redact: ['req.headers.authorization', 'req.headers.cookie'],
          },
        }),
        MongooseModule.forRoot(config.MONGODB_URI, {
          serverSelectionTimeoutMS: 5_000,
          // Indexes are declared in schemas and must exist before traffic arrives (unique keys guard invariants).
          autoIndex: true,
        }),
        KafkaModule.forRoot({ clientId: service, brokers: config.KAFKA_BROKERS, ...kafkaConnection(config, (file) => readFileSync(file, 'utf8')) }),
        HealthModule.forRoot(),
        MetricsModule.forRoot(service),
      ],
      providers: [{ provide: TRACING, useValue: tracing }, TracingLifecycle, { provide: APP_FILTER, useClass: ProblemDetailsFilter }, ShutdownState, { provide: APP_INTERCEPTOR, useClass: InFlightInterceptor }],
      exports: [ShutdownState],
    };
  }
}
