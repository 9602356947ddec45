import { Registry } from 'prom-client';
import { backlogAgeSeconds, registerBacklogGauges } from './backlog.metrics';

describe('backlogAgeSeconds', () => {
  it('is 0 for an empty backlog', () => {
    expect(backlogAgeSeconds(null, 10_000)).toBe(0);
  });

  it('is the seconds since the oldest entry', () => {
    expect(backlogAgeSeconds(new Date(4_000), 10_000)).toBe(6);
  });

  it('never goes negative when another replica stamped the entry a little in the future', () => {
    expect(backlogAgeSeconds(new Date(10_500), 10_000)).toBe(0);
  });
});

describe('registerBacklogGauges', () => {
  it('reports count and age from one read per scrape', async () => {
    const registry = new Registry();
    let reads = 0;
    registerBacklogGauges(registry, {
      countName: 'test_queue_jobs',
      ageName: 'test_queue_oldest_age_seconds',
      what: 'test jobs',
      now: () => 70_000,
      read: async () => {
        reads += 1;
        return { count: 3, oldest: new Date(10_000) };
      },
    });
    const text = await registry.metrics();
    expect(text).toContain('test_queue_jobs 3');
    expect(text).toContain('test_queue_oldest_age_seconds 60');
    expect(reads).toBe(1);
  });

  it('reports NaN, not a stale value or a failed scrape, when the store cannot be read', async () => {
    const registry = new Registry();
    registerBacklogGauges(registry, {
      countName: 'test_queue_jobs',
      ageName: 'test_queue_oldest_age_seconds',
      what: 'test jobs',
      read: () => Promise.reject(new Error('database unreachable')),
    });
    const text = await registry.metrics();
    // prom-client writes NaN as `Nan`, which Prometheus's parser accepts (case-insensitive).
    expect(text).toContain('test_queue_jobs Nan');
    expect(text).toContain('test_queue_oldest_age_seconds Nan');
  });
});
