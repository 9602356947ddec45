import { Injectable } from '@nestjs/common';
import { DomainError, MetricsRegistry } from '@media/service-kit';
import { Counter } from 'prom-client';

/** What operators watch on the upload path: bytes accepted and chunk transfers kept or refused (and why). */
@Injectable()
export class UploadMetrics {
  private readonly bytes: Counter<'path'>;
  private readonly chunks: Counter<'outcome' | 'reason'>;

  constructor(metrics: MetricsRegistry) {
    this.bytes = new Counter({
      name: 'ingest_bytes_ingested_total',
      help: 'Bytes stored for clients, by path (one_request or chunk); refused bytes are not counted',
      labelNames: ['path'],
      registers: [metrics.registry],
    });
    this.chunks = new Counter({
      name: 'ingest_chunks_total',
      help: 'Chunk transfers by outcome (committed or rejected) and, for rejections, the problem code',
      labelNames: ['outcome', 'reason'],
      registers: [metrics.registry],
    });
  }

  fileStored(bytes: number): void {
    this.bytes.inc({ path: 'one_request' }, bytes);
  }

  chunkCommitted(bytes: number): void {
    this.bytes.inc({ path: 'chunk' }, bytes);
    this.chunks.inc({ outcome: 'committed', reason: '' });
  }

  /** The problem code a client saw; anything else is `internal` (a fixed set of label values). */
  chunkRejected(error: unknown): void {
    this.chunks.inc({ outcome: 'rejected', reason: error instanceof DomainError ? error.code : 'internal' });
  }
}
