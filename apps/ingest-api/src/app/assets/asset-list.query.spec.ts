import { assetListQuerySchema } from './asset-list.query';

describe('GET /assets query', () => {
  it('has the documented defaults', () => {
    expect(assetListQuerySchema.parse({})).toEqual({
      limit: 100,
      skip: 0,
      sort: { field: 'created_on', direction: -1 },
      tags: [],
    });
  });

  it('reads filters and sorts', () => {
    expect(assetListQuerySchema.parse({ limit: '5', skip: '10', sort: 'name', label: 'Video', status: 'ready', tags: 'a, b', q: 'launch' })).toEqual({
      limit: 5,
      skip: 10,
      sort: { field: 'name', direction: 1 },
      label: 'Video',
      status: 'ready',
      tags: ['a', 'b'],
      q: 'launch',
    });
    expect(assetListQuerySchema.parse({ tags: ['a', 'b,c'] }).tags).toEqual(['a', 'b', 'c']);
  });

  it('accepts the largest bounded values', () => {
    const query = assetListQuerySchema.parse({ skip: '100000', tags: Array.from({ length: 20 }, (_, i) => `t${i}`), q: 'x'.repeat(256) });
    expect(query).toMatchObject({ skip: 100_000, q: 'x'.repeat(256) });
    expect(query.tags).toHaveLength(20);
  });

  it.each([
    [{ limit: '1001' }],
    [{ limit: '0' }],
    [{ limit: 'ten' }],
    [{ skip: '-1' }],
    [{ skip: '1e400' }],
    [{ sort: 'size' }],
    [{ label: 'Hologram' }],
    [{ status: 'done' }],
    [{ skip: '100001' }],
    [{ tags: Array.from({ length: 21 }, (_, i) => `t${i}`).join(',') }],
    [{ tags: ['a', 'b'.repeat(65)] }],
    [{ q: 'x'.repeat(257) }],
  ])('refuses %p', (query) => {
    expect(assetListQuerySchema.safeParse(query).success).toBe(false);
  });
});
