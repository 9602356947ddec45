import { createHash, type Hash } from 'node:crypto';
import { Injectable } from '@nestjs/common';

/** How many uploads keep their running hash in memory; past that the least recently used is rebuilt when needed. */
const MAX_UPLOADS = 1024;
/** States kept per upload: the one the last transfer started from (a retry of an uncommitted transfer needs it) and its end. */
const STATES_PER_UPLOAD = 2;

/**
 * The whole-file SHA-256 of each open upload, as native `node:crypto` states keyed by the offset they
 * have hashed up to. Node cannot serialise a hash state, so none is stored: a replica that does not hold
 * the state at an offset (another replica took the transfers, or this one restarted) rebuilds it from the
 * stored bytes, once; every other transfer and the completion hash each byte once, at native speed.
 */
@Injectable()
export class RunningHashes {
  private readonly uploads = new Map<string, Map<number, Hash>>();

  /** A copy of the state after `offset` bytes, to continue from; undefined if this process does not hold it. */
  take(uploadId: string, offset: number): Hash | undefined {
    const states = this.uploads.get(uploadId);
    const state = states?.get(offset);
    if (!states || !state) return undefined;
    // Most recently used goes last, so eviction takes the oldest.
    this.uploads.delete(uploadId);
    this.uploads.set(uploadId, states);
    return state.copy();
  }

  /** Keeps a copy of `hash` as the state after `offset` bytes; the caller may go on using its own. */
  keep(uploadId: string, offset: number, hash: Hash): void {
    const states = this.uploads.get(uploadId) ?? new Map<number, Hash>();
    states.delete(offset);
    states.set(offset, hash.copy());
    while (states.size > STATES_PER_UPLOAD) states.delete(states.keys().next().value as number);
    this.uploads.delete(uploadId);
    this.uploads.set(uploadId, states);
    while (this.uploads.size > MAX_UPLOADS) this.uploads.delete(this.uploads.keys().next().value as string);
  }

  forget(uploadId: string): void {
    this.uploads.delete(uploadId);
  }

  /** A fresh state, for an upload at offset 0 or one being rebuilt. */
  static fresh(): Hash {
    return createHash('sha256');
  }
}
