/**
 * The clients of the benchmark (HTTP uploads and the GridFS baseline), run in a worker thread of their
 * own. The main thread holds Nest, mongoose and kafkajs (loaded by `@media/testing`); every full GC there
 * marks that whole heap, and streaming hundreds of MiB triggers one every few MiB through external-memory
 * pressure. Measured on this machine: ~24 CPU s per GiB for the baseline's driver on the main thread,
 * 5–12 in a worker. A worker has its own small heap, so the clients cost about what a real client would.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AssetBody, ChunkedUploadTiming } from './media-api.client';

export interface LoadGeneratorInit {
  gateway: string;
  storageUrl: string;
  token: string;
  /** The database the services use; the baseline writes its own bucket there. */
  mongodbUri: string;
  baselineBucket: string;
  gridFsChunkBytes: number;
  chunkBytes: number;
  sourceFile: string;
}

export type LoadRequest =
  | { kind: 'baseline'; bytes: number }
  /** Deletes the baseline's last file; a request of its own so that its CPU is not counted as the upload's. */
  | { kind: 'baseline-cleanup' }
  | { kind: 'chunked'; start: number; bytes: number; name: string; pauseBeforeFinishMs?: number }
  | { kind: 'one-request'; bytes: number; name: string }
  | { kind: 'concurrent-chunked'; clients: number; bytesPerClient: number }
  /** The same slices as `concurrent-chunked`, each written by a direct GridFSBucket writer at once; deleted after timing. */
  | { kind: 'concurrent-baseline'; clients: number; bytesPerClient: number }
  /** The fastest direct writer written here: chunk documents in batches with one insertMany in flight. */
  | { kind: 'fastest-baseline'; bytes: number }
  | { kind: 'close' };

export interface LoadResults {
  baseline: { seconds: number };
  'baseline-cleanup': null;
  /** With the finish as ingest-api and storage saw it, from their metrics read around it. */
  chunked: ChunkedUploadTiming & { server: { ingestFinishMs: number; storageCompleteMs: number } };
  'one-request': { asset: AssetBody; seconds: number };
  'concurrent-chunked': { seconds: number; uploads: ChunkedUploadTiming[] };
  'concurrent-baseline': { seconds: number };
  'fastest-baseline': { seconds: number };
  close: null;
}

export type LoadReply = { id: number; ok: true; result: LoadResults[keyof LoadResults] } | { id: number; ok: false; error: string };

export class LoadGenerator {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: LoadReply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.ok) waiting?.resolve(reply.result);
      else waiting?.reject(new Error(reply.error));
    });
    worker.on('error', (error) => {
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    });
  }

  static start(init: LoadGeneratorInit): LoadGenerator {
    // The worker is TypeScript too: it gets tsx's CommonJS hook, which workers do not inherit on Node 20.
    const worker = new Worker(path.join(__dirname, 'load-generator.worker.ts'), {
      workerData: init,
      execArgv: ['--require', require.resolve('tsx/cjs')],
    });
    return new LoadGenerator(worker);
  }

  run<R extends LoadRequest>(request: R): Promise<LoadResults[R['kind']]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      this.worker.postMessage({ id, request });
    });
  }

  async stop(): Promise<void> {
    await this.run({ kind: 'close' }).catch(() => undefined);
    await this.worker.terminate();
  }
}
