import { BatchBufferPool } from './batch-buffer.pool';

describe('BatchBufferPool', () => {
  it('hands a given-back buffer out again instead of allocating', () => {
    const pool = new BatchBufferPool(16, 2);
    const first = pool.take();
    expect(first).toHaveLength(16);
    pool.give(first);
    expect(pool.take()).toBe(first);
    expect(pool.take()).not.toBe(first);
  });

  it('keeps at most maxFree buffers, each once, and none of another size', () => {
    const pool = new BatchBufferPool(16, 2);
    const [a, b, c] = [pool.take(), pool.take(), pool.take()];
    pool.give(a);
    pool.give(a);
    pool.give(Buffer.alloc(8));
    expect(pool.idle).toBe(1);
    pool.give(b);
    pool.give(c);
    expect(pool.idle).toBe(2);
  });
});
