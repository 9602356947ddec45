import { createSHA256 } from 'hash-wasm';

/** An incremental SHA-256 (WebAssembly: the same fast code in Node and browsers, unlike WebCrypto's one-shot digest). */
export interface Sha256 {
  update(bytes: Uint8Array): void;
  hex(): string;
}

export async function sha256(): Promise<Sha256> {
  const hasher = await createSHA256();
  hasher.init();
  return { update: (bytes) => void hasher.update(bytes), hex: () => hasher.digest('hex') };
}

/** The hex SHA-256 of a Blob (a File, or a file on disk opened as one), read as a stream. */
export async function sha256OfBlob(blob: Blob, signal?: AbortSignal): Promise<string> {
  const hasher = await sha256();
  const reader = blob.stream().getReader();
  try {
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const { done, value } = await reader.read();
      if (done) return hasher.hex();
      hasher.update(value);
    }
  } finally {
    reader.releaseLock();
  }
}
