import { createHash, randomBytes } from 'node:crypto';
import { HashStateError, ResumableSha256 } from './resumable-sha256.util';

describe('ResumableSha256', () => {
  it('hashes a fresh input like node:crypto', async () => {
    const data = randomBytes(1000);
    const hash = await ResumableSha256.resume();
    hash.update(data);
    expect(hash.hex()).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('gives the hash of the whole input when resumed from saved states at uneven cuts', async () => {
    const data = randomBytes(300_001);
    const cuts = [0, 1, 63, 64, 65, 100_000, 262_144, 300_001];
    let state: Uint8Array | undefined;
    for (let i = 1; i < cuts.length; i += 1) {
      const hash = await ResumableSha256.resume(state);
      hash.update(data.subarray(cuts[i - 1], cuts[i]));
      state = hash.save();
    }
    const last = await ResumableSha256.resume(state);
    expect(last.hex()).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('gives the hash of the empty input', async () => {
    expect((await ResumableSha256.resume()).hex()).toBe(createHash('sha256').digest('hex'));
  });

  it('refuses a damaged state with a typed error', async () => {
    await expect(ResumableSha256.resume(new Uint8Array([1, 2, 3]))).rejects.toBeInstanceOf(HashStateError);
  });
});
