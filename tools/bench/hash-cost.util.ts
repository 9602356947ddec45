import { createHash, randomBytes } from 'node:crypto';
import { createSHA256 } from 'hash-wasm';

export interface HashCost {
  /** CPU seconds per GiB hashed. */
  nodeCryptoSha256: number;
  /** The WASM SHA-256 storage uses for the resumable whole-file hash of chunked uploads. */
  hashWasmSha256: number;
}

const MiB = 1024 * 1024;

/**
 * What hashing alone costs per GiB on this machine, for the two SHA-256 implementations the upload
 * paths use: storage hashes every byte of a chunked upload with both (the chunk's with node:crypto, the
 * whole file's, resumable across transfers, with hash-wasm), and every byte of a one-request upload once.
 */
export async function measureHashCost(bytes = 256 * MiB): Promise<HashCost> {
  const piece = randomBytes(MiB); // in memory, so reading does not count
  const cpuPerGiB = (hash: { update(data: Uint8Array): unknown }): number => {
    const before = process.cpuUsage();
    for (let done = 0; done < bytes; done += piece.length) hash.update(piece);
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1e6 / (bytes / (1024 * MiB));
  };
  const wasm = await createSHA256();
  wasm.init();
  return { nodeCryptoSha256: cpuPerGiB(createHash('sha256')), hashWasmSha256: cpuPerGiB(wasm) };
}
