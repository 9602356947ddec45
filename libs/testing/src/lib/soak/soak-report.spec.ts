import { summarizeMemory } from './soak-report';
import { metricSum } from './soak-runner';

describe('metricSum', () => {
  const text = [
    '# HELP kafka_consumer_lag Messages the consumer group has not committed yet',
    '# TYPE kafka_consumer_lag gauge',
    'kafka_consumer_lag{group="encoder",topic="assets.events.v1"} 3',
    'kafka_consumer_lag{group="storage",topic="assets.events.v1"} 4',
    'kafka_consumer_lag_other 100',
    'process_resident_memory_bytes 123456789',
  ].join('\n');

  it('sums every label set of exactly that metric', () => {
    expect(metricSum(text, 'kafka_consumer_lag')).toBe(7);
    expect(metricSum(text, 'process_resident_memory_bytes')).toBe(123456789);
  });

  it('is null for a metric that is not there (a service without consumers)', () => {
    expect(metricSum(text, 'nodejs_heap_size_used_bytes')).toBeNull();
  });
});

describe('summarizeMemory', () => {
  const MB = 1024 * 1024;

  it('gives first, last, max and the slopes in MB per hour', () => {
    // RSS grows 1 MB a minute (60 MB/h), the heap stays flat.
    const samples = Array.from({ length: 6 }, (_, i) => ({ atMs: i * 60_000, rssBytes: (100 + i) * MB, heapUsedBytes: 40 * MB, consumerLag: i === 2 ? 5 : 0 }));
    const summary = summarizeMemory('storage', samples);
    expect(summary).toMatchObject({ service: 'storage', samples: 6, rssFirstMb: 100, rssLastMb: 105, rssMaxMb: 105, heapFirstMb: 40, heapLastMb: 40, maxConsumerLag: 5 });
    expect(summary?.rssSlopeMbPerHour).toBeCloseTo(60, 9);
    expect(summary?.heapSlopeMbPerHour).toBeCloseTo(0, 9);
  });

  it('has no slope from one sample and nothing without samples', () => {
    expect(summarizeMemory('fanout', [{ atMs: 0, rssBytes: MB, heapUsedBytes: MB, consumerLag: null }])).toMatchObject({ rssSlopeMbPerHour: null, maxConsumerLag: null });
    expect(summarizeMemory('fanout', [])).toBeNull();
  });
});
