import { groupByOwner, nextCursor, unreferenced } from './orphan.policy';

describe('groupByOwner', () => {
  it('groups candidates by tenant and asset, split at the check size', () => {
    const candidates = [
      { id: 'f1', tenant: 'a', assetId: 'x' },
      { id: 'f2', tenant: 'b', assetId: 'x' },
      { id: 'f3', tenant: 'a', assetId: 'x' },
      { id: 'f4', tenant: 'a', assetId: 'x' },
    ];
    expect(groupByOwner(candidates, 2)).toEqual([
      { tenant: 'a', assetId: 'x', ids: ['f1', 'f3'] },
      { tenant: 'a', assetId: 'x', ids: ['f4'] },
      { tenant: 'b', assetId: 'x', ids: ['f2'] },
    ]);
  });

  it('keeps ownerless candidates apart', () => {
    expect(groupByOwner([{ id: 'f1', tenant: '', assetId: '' }], 10)).toEqual([{ tenant: '', assetId: '', ids: ['f1'] }]);
  });
});

describe('unreferenced', () => {
  it('is what the asset does not keep', () => {
    expect(unreferenced({ tenant: 'a', assetId: 'x', ids: ['f1', 'f2', 'f3'] }, ['f2'])).toEqual(['f1', 'f3']);
    expect(unreferenced({ tenant: 'a', assetId: 'x', ids: ['f1'] }, ['f1'])).toEqual([]);
  });
});

describe('nextCursor', () => {
  it('goes on after a full batch and starts over after a short one', () => {
    expect(nextCursor(['a', 'b'], 2, '')).toBe('b');
    expect(nextCursor(['a'], 2, '')).toBe('');
    expect(nextCursor([], 2, '0')).toBe('0');
  });
});
