/** The worker side of load-generator.ts: runs one request at a time, as the main thread asks. */
import { createReadStream, openAsBlob } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { GridFSBucket, MongoClient, ObjectId } from 'mongodb';
import { ChunkBatcher } from '../../apps/storage/src/app/uploads/chunk-layout.util';
import type { LoadGeneratorInit, LoadReply, LoadRequest, LoadResults } from './load-generator';
import { MediaApiClient } from './media-api.client';
import { INGEST_MULTIPART_ROUTE, oneRequestMs, type RouteDuration, routeDuration, STORAGE_COMPLETE_ROUTE } from './service-metrics.util';

const init = workerData as LoadGeneratorInit;
const api = new MediaApiClient(init.gateway, init.token);
const client = new MongoClient(init.mongodbUri);
const bucket = new GridFSBucket(client.db(), { bucketName: init.baselineBucket, chunkSizeBytes: init.gridFsChunkBytes });
const source = openAsBlob(init.sourceFile);
let lastBaselineId: ObjectId | undefined;

async function handle(request: LoadRequest): Promise<LoadResults[keyof LoadResults]> {
  switch (request.kind) {
    case 'baseline': {
      const began = performance.now();
      const upload = bucket.openUploadStream(`baseline-${request.bytes}.bin`);
      await pipeline(createReadStream(init.sourceFile, { start: 0, end: request.bytes - 1 }), upload);
      lastBaselineId = upload.id;
      return { seconds: (performance.now() - began) / 1000 };
    }
    case 'baseline-cleanup':
      if (lastBaselineId) await bucket.delete(lastBaselineId);
      lastBaselineId = undefined;
      return null;
    case 'chunked': {
      const readings = (): Promise<RouteDuration[]> =>
        Promise.all([routeDuration(init.gateway, 'POST', INGEST_MULTIPART_ROUTE), routeDuration(init.storageUrl, 'POST', STORAGE_COMPLETE_ROUTE)]);
      let before: RouteDuration[] = [];
      let after: RouteDuration[] = [];
      const timing = await api.uploadInChunks((await source).slice(request.start, request.start + request.bytes), init.chunkBytes, request.name, {
        pauseBeforeFinishMs: request.pauseBeforeFinishMs ?? 0,
        beforeFinish: async () => {
          before = await readings();
        },
        afterFinish: async () => {
          after = await readings();
        },
      });
      const [ingestBefore, storageBefore] = before;
      const [ingestAfter, storageAfter] = after;
      if (!ingestBefore || !storageBefore || !ingestAfter || !storageAfter) throw new Error('the metrics around the finish were not read');
      return {
        ...timing,
        server: {
          ingestFinishMs: oneRequestMs(ingestBefore, ingestAfter, 'ingest-api finish'),
          storageCompleteMs: oneRequestMs(storageBefore, storageAfter, 'storage completion'),
        },
      };
    }
    case 'one-request': {
      const began = performance.now();
      const asset = await api.uploadInOneRequest((await source).slice(0, request.bytes), request.name);
      return { asset, seconds: (performance.now() - began) / 1000 };
    }
    case 'concurrent-chunked': {
      const file = await source;
      const began = performance.now();
      const uploads = await Promise.all(
        Array.from({ length: request.clients }, (_, i) => {
          // Each client sends different bytes: its own slice of the source file (wrapping on a short file).
          const start = (i * request.bytesPerClient) % Math.max(1, file.size - request.bytesPerClient + 1);
          return api.uploadInChunks(file.slice(start, start + request.bytesPerClient), init.chunkBytes, `client-${i}.bin`);
        }),
      );
      return { seconds: (performance.now() - began) / 1000, uploads };
    }
    case 'concurrent-baseline': {
      const size = (await source).size;
      const began = performance.now();
      const ids = await Promise.all(
        Array.from({ length: request.clients }, async (_, i) => {
          const start = (i * request.bytesPerClient) % Math.max(1, size - request.bytesPerClient + 1);
          const upload = bucket.openUploadStream(`baseline-client-${i}.bin`);
          await pipeline(createReadStream(init.sourceFile, { start, end: start + request.bytesPerClient - 1 }), upload);
          return upload.id;
        }),
      );
      const seconds = (performance.now() - began) / 1000;
      for (const id of ids) await bucket.delete(id);
      return { seconds };
    }
    case 'fastest-baseline': {
      const began = performance.now();
      lastBaselineId = await fastestWrite(request.bytes);
      return { seconds: (performance.now() - began) / 1000 };
    }
    case 'close':
      await client.close();
      return null;
  }
}

/**
 * The fastest direct GridFS writer written here: the file read in large pieces, cut into chunk documents,
 * 8 per insertMany with one in flight while the next batch fills, then the files document. An ordinary
 * GridFS file of the baseline's bucket, deleted by `baseline-cleanup` like the baseline's.
 */
async function fastestWrite(bytes: number): Promise<ObjectId> {
  const id = new ObjectId();
  const chunks = client.db().collection(`${init.baselineBucket}.chunks`);
  const batcher = new ChunkBatcher(init.gridFsChunkBytes, 8, 0);
  let inFlight: Promise<unknown> = Promise.resolve();
  const dispatch = async (firstN: number, datas: Buffer[]): Promise<void> => {
    await inFlight;
    if (datas.length > 0) inFlight = chunks.insertMany(datas.map((data, i) => ({ _id: new ObjectId(), files_id: id, n: firstN + i, data })));
  };
  for await (const piece of createReadStream(init.sourceFile, { start: 0, end: bytes - 1, highWaterMark: 2 * 1024 * 1024 })) {
    for (const batch of batcher.accept(piece as Buffer)) await dispatch(batch.firstN, batch.chunks);
  }
  const rest = batcher.drain();
  const tail = batcher.tailView();
  await dispatch(rest.firstN, tail.length > 0 ? [...rest.chunks, tail] : rest.chunks);
  await inFlight;
  await client.db().collection(`${init.baselineBucket}.files`).insertOne({ _id: id, length: bytes, chunkSize: init.gridFsChunkBytes, uploadDate: new Date(), filename: `fastest-${bytes}.bin` });
  return id;
}

parentPort?.on('message', ({ id, request }: { id: number; request: LoadRequest }) => {
  handle(request).then(
    (result) => parentPort?.postMessage({ id, ok: true, result } satisfies LoadReply),
    (error: unknown) => parentPort?.postMessage({ id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies LoadReply),
  );
});
