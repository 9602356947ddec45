/** The public API calls the benchmark makes, exactly as a client would (SPEC §4), with timings. */

export interface UploadOffsets {
  id: string;
  start_offset: number;
  end_offset: number;
  file_size: number;
}

export interface AssetBody {
  id: string;
  status: string;
  file_size: number;
  checksum: { sha256: string } | null;
  cdn_files?: { items: { url: string; role: string }[] };
}

export interface ChunkedUploadTiming {
  asset: AssetBody;
  seconds: number;
  /** The `upload_phase=finish` request alone. */
  finishMs: number;
  chunks: number;
}

async function expectStatus<T>(response: Response, status: number, what: string): Promise<T> {
  if (response.status !== status) {
    const body = await response.text().catch(() => '');
    throw new Error(`${what}: expected HTTP ${status}, got ${response.status} ${body.slice(0, 500)}`);
  }
  return (await response.json()) as T;
}

export class MediaApiClient {
  constructor(
    private readonly gateway: string,
    private readonly token: string,
  ) {}

  private get auth(): Record<string, string> {
    return { Authorization: `Bearer ${this.token}` };
  }

  async start(fileSize: number, originalName: string): Promise<AssetBody> {
    const response = await fetch(`${this.gateway}/assets`, {
      method: 'POST',
      headers: { ...this.auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ upload_phase: 'start', file_size: fileSize, original_name: originalName }),
    });
    return expectStatus<AssetBody>(response, 201, 'start');
  }

  /** One chunk as multipart `file_chunk`; a file-backed Blob slice is streamed from disk by fetch. */
  async transfer(id: string, chunk: Blob, startOffset: number): Promise<UploadOffsets> {
    const form = new FormData();
    form.set('upload_phase', 'transfer');
    form.set('start_offset', String(startOffset));
    form.set('file_chunk', chunk, 'chunk.bin');
    const response = await fetch(`${this.gateway}/assets/${id}/multipart`, { method: 'POST', headers: this.auth, body: form });
    return expectStatus<UploadOffsets>(response, 200, `transfer at ${startOffset}`);
  }

  async finish(id: string): Promise<AssetBody> {
    const response = await fetch(`${this.gateway}/assets/${id}/multipart`, {
      method: 'POST',
      headers: { ...this.auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ upload_phase: 'finish' }),
    });
    return expectStatus<AssetBody>(response, 200, 'finish');
  }

  /** `POST /assets` with the file in the multipart field `source`. */
  async uploadInOneRequest(file: Blob, fileName: string): Promise<AssetBody> {
    const form = new FormData();
    form.set('source', file, fileName);
    const response = await fetch(`${this.gateway}/assets`, { method: 'POST', headers: this.auth, body: form });
    return expectStatus<AssetBody>(response, 201, 'one-request upload');
  }

  async delete(id: string): Promise<void> {
    const response = await fetch(`${this.gateway}/assets/${id}`, { method: 'DELETE', headers: this.auth });
    if (response.status !== 204) throw new Error(`delete ${id}: expected HTTP 204, got ${response.status} ${(await response.text()).slice(0, 500)}`);
  }

  /**
   * start, every chunk in order (each checked against the offsets the server answers), finish. A pause
   * before the finish (not counted in `seconds`) tells the finish's own cost from work the last transfer left;
   * the hooks run outside the timed finish (e.g. to read the services' metrics around it).
   */
  async uploadInChunks(
    file: Blob,
    chunkSize: number,
    originalName: string,
    { pauseBeforeFinishMs = 0, beforeFinish, afterFinish }: { pauseBeforeFinishMs?: number; beforeFinish?: () => Promise<void>; afterFinish?: () => Promise<void> } = {},
  ): Promise<ChunkedUploadTiming> {
    const began = performance.now();
    const { id } = await this.start(file.size, originalName);
    let chunks = 0;
    for (let offset = 0; offset < file.size; offset += chunkSize) {
      const end = Math.min(offset + chunkSize, file.size);
      const next = await this.transfer(id, file.slice(offset, end), offset);
      if (next.start_offset !== end) throw new Error(`after the chunk [${offset}, ${end}) the server expects ${next.start_offset}`);
      chunks += 1;
    }
    const transferred = performance.now();
    if (pauseBeforeFinishMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseBeforeFinishMs));
    await beforeFinish?.();
    const finishing = performance.now();
    const asset = await this.finish(id);
    const done = performance.now();
    await afterFinish?.();
    return { asset, seconds: (transferred - began + done - finishing) / 1000, finishMs: done - finishing, chunks };
  }
}
