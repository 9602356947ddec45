import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@media/service-kit';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The encoder's own metrics, on its /metrics next to the HTTP and process ones. */
@Injectable()
export class EncoderMetrics {
  /** Wall time of jobs that ran, by asset label and outcome (ready, failed, retry, lease_lost). */
  readonly jobDuration: Histogram<'label' | 'outcome'>;
  /** Every job end, including those that never ran (worker_crashed). */
  readonly jobs: Counter<'label' | 'outcome'>;
  readonly running: Gauge;
  readonly results: Counter<'outcome'>;
  /** On-demand image requests by outcome: rendered here, cached, waited for another render, refused, failed. */
  readonly imageRenders: Counter<'outcome'>;
  readonly imageRenderDuration: Histogram;
  /** The service's registry, for metrics made elsewhere (the consumer's outcomes, lag and handler durations). */
  readonly registry: Registry;

  constructor(metrics: MetricsRegistry) {
    this.registry = metrics.registry;
    const registers = [metrics.registry];
    this.jobDuration = new Histogram({
      name: 'encoder_job_duration_seconds',
      help: 'Wall time of one processing job (download, processing, upload), by asset label and outcome',
      labelNames: ['label', 'outcome'],
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    });
    this.jobs = new Counter({
      name: 'encoder_jobs_total',
      help: 'Processing jobs ended, by asset label and outcome (ready, failed, worker_crashed, retry, lease_lost)',
      labelNames: ['label', 'outcome'],
      registers,
    });
    this.running = new Gauge({ name: 'encoder_jobs_running', help: 'Jobs this replica is running now', registers });
    this.results = new Counter({
      name: 'encoder_results_published_total',
      help: 'Results published to assets.processing-results.v1, by outcome (ready, failed)',
      labelNames: ['outcome'],
      registers,
    });
    this.imageRenders = new Counter({
      name: 'encoder_image_renders_total',
      help: 'On-demand image variant requests, by outcome (rendered, cached, waited, refused, failed, store_failed: rendered and answered, but not stored)',
      labelNames: ['outcome'],
      registers,
    });
    this.imageRenderDuration = new Histogram({
      name: 'encoder_image_render_seconds',
      help: 'Wall time of one on-demand render until the image exists (source from disk or storage, header check, render); the store runs after, alongside the answer',
      buckets: [0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30],
      registers,
    });
  }
}
