import { createSHA256, type IHasher } from 'hash-wasm';

/** The saved state could not be resumed (written by an incompatible hash-wasm build, or damaged). */
export class HashStateError extends Error {
  constructor(cause: unknown) {
    super('the saved SHA-256 state cannot be resumed', { cause });
    this.name = 'HashStateError';
  }
}

/**
 * SHA-256 of a whole upload, carried across transfers without re-reading a byte: each transfer resumes
 * the state the previous one saved and saves its own. Node's crypto cannot export a hash state, hash-wasm
 * can. The state embeds a fingerprint of the hash-wasm build, so an upgrade of that package can make
 * in-flight uploads unresumable (they then answer 409 and are restarted).
 */
export class ResumableSha256 {
  private constructor(private readonly hasher: IHasher) {}

  /** A fresh hash, or the one a previous transfer saved. */
  static async resume(state?: Uint8Array): Promise<ResumableSha256> {
    const hasher = await createSHA256();
    hasher.init();
    if (state !== undefined) {
      try {
        hasher.load(state);
      } catch (error) {
        throw new HashStateError(error);
      }
    }
    return new ResumableSha256(hasher);
  }

  update(piece: Uint8Array): void {
    this.hasher.update(piece);
  }

  save(): Uint8Array {
    return this.hasher.save();
  }

  /** Finalises the hash; the instance cannot be saved or updated afterwards. */
  hex(): string {
    return this.hasher.digest('hex');
  }
}
