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
  }
}
