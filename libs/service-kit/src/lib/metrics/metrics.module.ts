import { Controller, type DynamicModule, Get, Header, Inject, Injectable, Module } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export const SERVICE_NAME = Symbol('SERVICE_NAME');

/**
 * One registry per application instance rather than prom-client's global one, so that several services
 * booted in one test process (or one service booted twice) never collide on metric names.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor(@Inject(SERVICE_NAME) service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route template and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
      registers: [this.registry],
    });
  }

  /** Express middleware: the route label is the matched template (`/assets/:id`), never the raw path. */
  httpMiddleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const stop = this.httpDuration.startTimer({ method: req.method });
      res.once('close', () => {
        const template = (req.route as { path?: unknown } | undefined)?.path;
        const route = typeof template === 'string' ? `${req.baseUrl}${template}` : 'unmatched';
        stop({ route, status: String(res.statusCode) });
      });
      next();
    };
  }
}

@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

@Module({})
export class MetricsModule {
  static forRoot(service: string): DynamicModule {
    return {
      module: MetricsModule,
      global: true,
      providers: [{ provide: SERVICE_NAME, useValue: service }, MetricsRegistry],
      controllers: [MetricsController],
      exports: [MetricsRegistry],
    };
  }
}
