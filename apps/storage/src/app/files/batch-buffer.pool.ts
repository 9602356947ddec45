import type { BatchBufferSource } from '../uploads/chunk-layout.util';

/**
 * Insert batch buffers reused across every upload of the process. A 2 MiB buffer allocated per batch and
 * dropped after its insert is garbage that V8 collects only once enough such memory has piled up, and
 * the allocator does not always give back to the system: under concurrent uploads that showed as tens
 * of MiB of resident growth. Buffers given back wait here for the next batch; at most `maxFree` of them.
 */
export class BatchBufferPool implements BatchBufferSource {
  private readonly free: Buffer[] = [];

  constructor(
    readonly bufferBytes: number,
    private readonly maxFree: number,
  ) {}

  /** Buffers waiting to be reused. */
  get idle(): number {
    return this.free.length;
  }

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.bufferBytes);
  }

  /** Only once nothing refers to `buffer` any more (its insert has settled): the next `take` writes over it. */
  give(buffer: Buffer): void {
    if (buffer.length === this.bufferBytes && this.free.length < this.maxFree && !this.free.includes(buffer)) this.free.push(buffer);
  }
}
