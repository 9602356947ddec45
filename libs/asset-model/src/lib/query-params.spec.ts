import { wholeNumberParam } from './query-params';

describe('whole-number query parameters', () => {
  const limit = wholeNumberParam(1, 1000, 100);

  it('reads digits and takes the default when absent', () => {
    expect(limit.parse('50')).toBe(50);
    expect(limit.parse(undefined)).toBe(100);
  });

  it.each(['', ' 5', '1e3', '-1', '0', '1001', '5.5', 'abc'])('refuses %j', (value) => {
    expect(limit.safeParse(value).success).toBe(false);
  });
});
