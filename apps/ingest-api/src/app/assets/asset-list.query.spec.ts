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

  it.each([
    [{ limit: '1001' }],
    [{ limit: '0' }],
    [{ limit: 'ten' }],
    [{ skip: '-1' }],
    [{ skip: '1e400' }],
    [{ skip: '' }],
    [{ limit: ' 5' }],
    [{ sort: 'size' }],
    [{ label: 'Hologram' }],
    [{ status: 'done' }],
  ])('refuses %p', (query) => {
    expect(assetListQuerySchema.safeParse(query).success).toBe(false);
  });
});
