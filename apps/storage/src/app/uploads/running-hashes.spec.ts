import { createHash } from 'node:crypto';
import { RunningHashes } from './running-hashes';

describe('RunningHashes', () => {
  const sha = (...parts: string[]) => {
    const hash = createHash('sha256');
    for (const part of parts) hash.update(part);
    return hash.digest('hex');
  };

  it('continues a hash across transfers as if it had been one', () => {
    const hashes = new RunningHashes();
    const first = RunningHashes.fresh().update('abc');
    hashes.keep('u', 3, first);
    const second = hashes.take('u', 3);
    second?.update('def');
    if (!second) throw new Error('expected the state at 3');
    hashes.keep('u', 6, second);
    expect(hashes.take('u', 6)?.digest('hex')).toBe(sha('abcdef'));
  });

  it('hands out copies: using one does not change what is kept', () => {
    const hashes = new RunningHashes();
    const mine = RunningHashes.fresh().update('abc');
    hashes.keep('u', 3, mine);
    mine.update('zzz');
    hashes.take('u', 3)?.update('xyz');
    expect(hashes.take('u', 3)?.digest('hex')).toBe(sha('abc'));
  });

  it('knows nothing about offsets it was not given', () => {
    const hashes = new RunningHashes();
    hashes.keep('u', 3, RunningHashes.fresh().update('abc'));
    expect(hashes.take('u', 4)).toBeUndefined();
    expect(hashes.take('other', 3)).toBeUndefined();
  });

  it('keeps the start of an uncommitted transfer for its retry, and drops older states', () => {
    const hashes = new RunningHashes();
    hashes.keep('u', 3, RunningHashes.fresh().update('abc'));
    hashes.keep('u', 6, RunningHashes.fresh().update('abcdef'));
    expect(hashes.take('u', 3)?.digest('hex')).toBe(sha('abc'));
    hashes.keep('u', 9, RunningHashes.fresh().update('abcdefghi'));
    expect(hashes.take('u', 3)).toBeUndefined();
    expect(hashes.take('u', 6)?.digest('hex')).toBe(sha('abcdef'));
  });

  it('forgets an upload', () => {
    const hashes = new RunningHashes();
    hashes.keep('u', 3, RunningHashes.fresh().update('abc'));
    hashes.forget('u');
    expect(hashes.take('u', 3)).toBeUndefined();
  });

  it('holds a bounded number of uploads, evicting the least recently used', () => {
    const hashes = new RunningHashes();
    for (let i = 0; i < 1024; i += 1) hashes.keep(`u${i}`, 1, RunningHashes.fresh().update('a'));
    expect(hashes.take('u0', 1)).toBeDefined();
    hashes.keep('one-more', 1, RunningHashes.fresh().update('a'));
    expect(hashes.take('u1', 1)).toBeUndefined();
    expect(hashes.take('u0', 1)).toBeDefined();
    expect(hashes.take('one-more', 1)).toBeDefined();
  });
});
