import { exportsMetric, promqlMetricNames, recordingRuleNames } from './promql-metric-names';

describe('promqlMetricNames', () => {
  it('finds the metrics behind functions, matchers, grouping and ranges', () => {
    expect(promqlMetricNames('histogram_quantile(0.99, sum by (le) (rate(ingest_outbox_publish_lag_seconds_bucket{service="x", route=~"/a.*"}[5m]))) > 5')).toEqual([
      'ingest_outbox_publish_lag_seconds_bucket',
    ]);
  });

  it('reads both sides of binary operators and ignores keywords, numbers and recording rules', () => {
    expect(promqlMetricNames('max by (service) (a_up) == 0 or max without (instance) (b_total) and on (job) c_gauge unless media_assets:x:rate5m > 0.5')).toEqual([
      'a_up',
      'b_total',
      'c_gauge',
    ]);
  });

  it('ignores label values that look like metric names', () => {
    expect(promqlMetricNames('sum(rate(http_total{outcome=~"failed|disabled"}[1h]))')).toEqual(['http_total']);
  });

  it('reads a subquery', () => {
    expect(promqlMetricNames('deriv(max(fanout_webhook_backlog_deliveries)[15m:1m]) > 0')).toEqual(['fanout_webhook_backlog_deliveries']);
  });
});

describe('recordingRuleNames', () => {
  it('finds level:metric:operation names', () => {
    expect(recordingRuleNames('media_assets:upload_errors:rate5m / media_assets:upload_requests:rate5m > 0.01')).toEqual([
      'media_assets:upload_errors:rate5m',
      'media_assets:upload_requests:rate5m',
    ]);
  });
});

describe('exportsMetric', () => {
  const exposition = [
    '# HELP a_total things',
    '# TYPE a_total counter',
    '# TYPE lat_seconds histogram',
    'lat_seconds_bucket{le="1"} 0',
    '# TYPE rpc_seconds summary',
  ].join('\n');

  it('knows declared metrics, even without samples yet', () => {
    expect(exportsMetric(exposition, 'a_total')).toBe(true);
  });

  it('knows the series of histograms and summaries', () => {
    expect(exportsMetric(exposition, 'lat_seconds_bucket')).toBe(true);
    expect(exportsMetric(exposition, 'lat_seconds_count')).toBe(true);
    expect(exportsMetric(exposition, 'rpc_seconds_sum')).toBe(true);
    expect(exportsMetric(exposition, 'rpc_seconds_bucket')).toBe(false);
  });

  it('refuses what is not there', () => {
    expect(exportsMetric(exposition, 'b_total')).toBe(false);
    expect(exportsMetric(exposition, 'a_total_count')).toBe(false);
  });
});
