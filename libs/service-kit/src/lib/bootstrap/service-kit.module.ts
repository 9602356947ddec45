import { randomUUID } from 'node:crypto';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { KafkaModule } from '@media/messaging';
import { LoggerModule } from 'nestjs-pino';
import type { BaseConfig } from '../config/load-config';
import { HealthModule } from '../health/health.module';
import { MetricsModule } from '../metrics/metrics.module';
import { ProblemDetailsFilter } from '../problem/problem-details.filter';

export interface ServiceKitOptions {
  /** Service name: metric label, Kafka client id, log field. */
  service: string;
  config: BaseConfig;
}

const REQUEST_ID_HEADER = 'x-request-id';
const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/** What every service has: JSON logs, its database, its Kafka client, health, metrics, problem+json errors. */
@Module({})
export class ServiceKitModule {
  static forRoot({ service, config }: ServiceKitOptions): DynamicModule {
    return {
      module: ServiceKitModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            name: service,
            level: config.LOG_LEVEL,
            // A caller's request id is kept so one upload can be followed across ingest-api and storage.
            genReqId: (req, res) => {
              const incoming = req.headers[REQUEST_ID_HEADER];
              const id = typeof incoming === 'string' && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
              res.setHeader(REQUEST_ID_HEADER, id);
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
        KafkaModule.forRoot({ clientId: service, brokers: config.KAFKA_BROKERS }),
        HealthModule.forRoot(),
        MetricsModule.forRoot(service),
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
    };
  }
}
