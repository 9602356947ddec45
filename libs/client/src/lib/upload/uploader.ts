import type { Asset, AssetMetadata, UploadOffsets } from '../api.types';
import { abortReason, MediaAssetsError, UploadIntegrityError } from '../http/problem.error';
import { decideRetry, isRetryableStatus, parseRetryAfter } from '../http/retry.policy';
import type { Transport } from '../http/transport';
import { describeNetworkError, isNetworkError, sleep, withRetries } from '../http/with-retries';
import { type ChunkSource, chunkSourceOf, StreamChunkSource, type UploadSource } from './chunk-source';
import { multipartBody } from './multipart-body';
import type { ResumeStore } from './resume.store';
import { chooseUploadMode, chunkEnd, DEFAULT_CHUNK_SIZE, DEFAULT_RESUMABLE_THRESHOLD, resumeKey, resumeVerdict, type UploadMode } from './upload.plan';

export interface UploadProgress {
  /** Bytes the server holds (resumable) or has been sent (one request), including the current request's. */
  uploadedBytes: number;
  totalBytes: number | undefined;
  phase: 'uploading' | 'finishing' | 'done';
}

export interface UploadOptions extends AssetMetadata {
  /** The file name the asset keeps as `original_name` (and `name` by default); a File's own name otherwise. */
  filename?: string;
  /** A declared label (`Video`, ...) for a resumable upload: the first chunk is checked against it. */
  label?: 'Photo' | 'Video' | 'Audio' | 'Document' | 'File';
  /** The size of a stream source; without it a stream goes in one request. */
  size?: number;
  /** Force one way; by default files from `resumableThreshold` bytes up go resumably. */
  mode?: UploadMode;
  resumableThreshold?: number;
  /** Bytes per transfer; the server's suggestion by default. */
  chunkSize?: number;
  signal?: AbortSignal;
  onProgress?: (progress: UploadProgress) => void;
  /** Called once the asset exists (before its bytes are sent); `resumed` when an earlier run's asset is continued. */
  onAsset?: (assetId: string, resumed: boolean) => void;
  /**
   * Identity of the file (path, size, modification time) under which `resumeStore` remembers its unfinished
   * upload, so a later call, even in a new process, continues the same asset instead of starting over.
   */
  resumeIdentity?: string;
  resumeStore?: ResumeStore;
}

interface UploadRun {
  transport: Transport;
  source: ChunkSource;
  options: UploadOptions;
  filename: string;
  report(uploaded: number, phase?: UploadProgress['phase']): void;
}

function problemOffset(error: MediaAssetsError): number | undefined {
  const value = error.problem?.['start_offset'];
  return typeof value === 'number' ? value : undefined;
}

function checkDigest(asset: Asset, expected: string): Asset {
  const actual = asset.checksum?.sha256 ?? null;
  if (actual !== expected) throw new UploadIntegrityError(asset.id, expected, actual);
  return asset;
}

function metadataFields(options: UploadOptions): [string, string][] {
  const fields: [string, string][] = [];
  for (const name of ['name', 'body', 'author', 'reference_id'] as const) {
    const value = options[name];
    if (typeof value === 'string') fields.push([name, value]);
  }
  if (options.tags?.length) fields.push(['tags', options.tags.join(',')]);
  return fields;
}

/** One request, `POST /assets` with the file as `source`. A stream is sent once; a Blob is re-sent on retries. */
async function uploadSingle(run: UploadRun): Promise<Asset> {
  const { transport, source, options } = run;
  const send = async () => {
    let sent = 0;
    const data = source instanceof StreamChunkSource ? source.passThrough() : await source.range(0, source.size ?? 0);
    const multipart = multipartBody(metadataFields(options), { field: 'source', filename: run.filename, data, size: source.size }, (count) => {
      sent += count;
      run.report(sent);
    });
    return transport.fetch(transport.url('/assets'), {
      method: 'POST',
      headers: transport.headers({ 'content-type': multipart.contentType }),
      body: multipart.body,
      signal: options.signal,
      duplex: 'half',
    } as RequestInit);
  };
  const response = source.rewindable ? await withRetries(send, transport.retryContext(options.signal)) : await send();
  const asset = await transport.expect<Asset>(response, 'upload', 201);
  options.onAsset?.(asset.id, false);
  return checkDigest(asset, await source.sha256());
}

/** Where the server says the upload stands (the answer to trust after any doubt: a cut, a 5xx, a 409). */
async function progressOf(transport: Transport, id: string, signal?: AbortSignal): Promise<Response> {
  return transport.send('GET', `/assets/${encodeURIComponent(id)}/multipart`, { signal });
}

/** The asset a remembered upload can continue, or undefined when a new one must start. */
async function resumable(run: UploadRun, key: string, store: ResumeStore): Promise<{ asset?: Asset; offsets?: UploadOffsets; id?: string }> {
  const { transport, source, options } = run;
  const saved = await store.get(key);
  if (!saved || saved.file_size !== source.size) return {};
  const response = await progressOf(transport, saved.asset_id, options.signal);
  const verdict = resumeVerdict(response.status);
  if (verdict === 'resume') return { id: saved.asset_id, offsets: await transport.expect<UploadOffsets>(response, 'upload progress', 200) };
  await response.body?.cancel();
  if (verdict === 'check-finished') {
    const answer = await transport.send('GET', `/assets/${encodeURIComponent(saved.asset_id)}`, { signal: options.signal });
    if (answer.status === 200) {
      const asset = await transport.expect<Asset>(answer, 'get', 200);
      if (asset.status !== 'uploading' && asset.checksum?.sha256 === (await source.sha256())) return { asset, id: asset.id };
    } else {
      await answer.body?.cancel();
    }
  }
  await store.delete(key);
  return {};
}

async function startUpload(run: UploadRun): Promise<Asset> {
  const { transport, source, options } = run;
  const response = await transport.send('POST', '/assets', {
    json: {
      upload_phase: 'start',
      file_size: source.size,
      original_name: run.filename,
      ...(options.label ? { label: options.label } : {}),
      ...Object.fromEntries(metadataFields(options)),
    },
    signal: options.signal,
  });
  return transport.expect<Asset>(response, 'start upload', 201);
}

/**
 * One chunk from `offset`. Answers the offset to continue from: the server's next one after a success, or
 * where the server really stands after an offset mismatch, a cut connection or a retryable answer.
 */
async function transferChunk(run: UploadRun, id: string, offset: number, end: number, failures: { count: number }): Promise<number> {
  const { transport, source, options } = run;
  for (;;) {
    let inFlight = 0;
    let retryAfterMs: number | undefined;
    let reason: string;
    try {
      const data = await source.range(offset, end);
      const fields: [string, string][] = [
        ['upload_phase', 'transfer'],
        ['start_offset', String(offset)],
      ];
      const init: RequestInit & { duplex?: 'half' } = { method: 'POST', signal: options.signal };
      if (transport.streamingUploads) {
        const multipart = multipartBody(fields, { field: 'file_chunk', filename: run.filename, data, size: end - offset }, (count) => {
          inFlight += count;
          run.report(offset + inFlight);
        });
        Object.assign(init, { headers: transport.headers({ 'content-type': multipart.contentType }), body: multipart.body, duplex: 'half' });
      } else {
        const form = new FormData();
        for (const [name, value] of fields) form.set(name, value);
        form.set('file_chunk', await new Response(data).blob(), run.filename);
        Object.assign(init, { headers: transport.headers(), body: form });
      }
      const response = await transport.fetch(transport.url(`/assets/${encodeURIComponent(id)}/multipart`), init);
      if (response.status === 200) {
        failures.count = 0;
        return (await response.json() as UploadOffsets).start_offset;
      }
      if (!isRetryableStatus(response.status)) {
        const error = await MediaAssetsError.fromResponse(response, `transfer at byte ${offset}`);
        // Another offset than ours: the server's answer says where it stands, so continue from there.
        if (error.code === 'offset_mismatch') return problemOffset(error) ?? (await resync(run, id));
        // The lease of a cut earlier transfer may still be held for a moment: wait like for a 503.
        if (error.code !== 'transfer_in_progress') throw error;
      } else {
        await response.body?.cancel().catch(() => undefined);
      }
      retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
      reason = `HTTP ${response.status}`;
    } catch (error) {
      if (options.signal?.aborted) throw abortReason(options.signal);
      if (!isNetworkError(error)) throw error;
      reason = `network: ${describeNetworkError(error)}`;
    }
    run.report(offset);
    const decision = decideRetry(failures.count, transport.policy, retryAfterMs);
    if (!decision.retry) throw new MediaAssetsError(0, 'retries_exhausted', `transfer at byte ${offset} failed ${failures.count + 1} times, last: ${reason}`);
    failures.count += 1;
    transport.retryContext().onRetry?.({ attempt: failures.count, delayMs: decision.delayMs, reason });
    await sleep(decision.delayMs, options.signal);
    // A cut connection may still have delivered the whole chunk: ask instead of assuming.
    const now = await resync(run, id);
    if (now !== offset) return now;
  }
}

async function resync(run: UploadRun, id: string): Promise<number> {
  const response = await progressOf(run.transport, id, run.options.signal);
  return (await run.transport.expect<UploadOffsets>(response, 'upload progress', 200)).start_offset;
}

async function uploadResumable(run: UploadRun): Promise<Asset> {
  const { transport, source, options } = run;
  const size = source.size ?? 0;
  const store = options.resumeStore;
  const key = options.resumeIdentity && store ? resumeKey(transport.baseUrl, options.resumeIdentity) : undefined;
  const remembered = key && store ? await resumable(run, key, store) : {};
  if (remembered.asset) {
    if (key && store) await store.delete(key);
    options.onAsset?.(remembered.asset.id, true);
    run.report(size, 'done');
    return remembered.asset;
  }
  let id = remembered.id;
  let offset = remembered.offsets?.start_offset ?? 0;
  let suggested = remembered.offsets ? remembered.offsets.end_offset - remembered.offsets.start_offset : undefined;
  if (!id) {
    const asset = await startUpload(run);
    id = asset.id;
    offset = asset.upload?.start_offset ?? 0;
    suggested = asset.upload?.chunk_size;
    if (key && store) await store.set(key, { asset_id: id, file_size: size, saved_on: new Date().toISOString() });
  }
  options.onAsset?.(id, remembered.id !== undefined);
  // A Blob is hashed now, in parallel with the transfers (read a second time for it); a stream is hashed
  // as the transfers read it, so its digest is only asked for at the end.
  const digest = source.rewindable ? source.sha256() : undefined;
  digest?.catch(() => undefined);
  const chunkSize = options.chunkSize ?? (suggested && suggested > 0 ? suggested : DEFAULT_CHUNK_SIZE);
  const failures = { count: 0 };
  run.report(offset);
  while (offset < size) {
    offset = await transferChunk(run, id, offset, chunkEnd(offset, chunkSize, size), failures);
    run.report(offset);
  }
  run.report(size, 'finishing');
  const sha256 = await (digest ?? source.sha256());
  const finished = await transport.send('POST', `/assets/${encodeURIComponent(id)}/multipart`, { json: { upload_phase: 'finish', sha256 }, signal: options.signal });
  const asset = checkDigest(await transport.expect<Asset>(finished, 'finish upload', 200), sha256);
  if (key && store) await store.delete(key);
  return asset;
}

/** `upload()`: one request or resumable by size, progress, abort, retries, resume and the whole-file sha256. */
export async function upload(transport: Transport, input: UploadSource, options: UploadOptions = {}): Promise<Asset> {
  if (options.signal?.aborted) throw abortReason(options.signal);
  const source = chunkSourceOf(input, options.size, options.signal);
  const size = source.size;
  const fileName = typeof File !== 'undefined' && input instanceof File ? input.name : undefined;
  const run: UploadRun = {
    transport,
    source,
    options,
    filename: options.filename ?? fileName ?? 'upload.bin',
    report: (uploadedBytes, phase = 'uploading') => options.onProgress?.({ uploadedBytes, totalBytes: size, phase }),
  };
  const mode = chooseUploadMode(size, options.resumableThreshold ?? DEFAULT_RESUMABLE_THRESHOLD, options.mode);
  const asset = mode === 'single' ? await uploadSingle(run) : await uploadResumable(run);
  run.report(size ?? asset.file_size ?? 0, 'done');
  return asset;
}
