import { ASSET_EVENT_TYPES } from '@media/asset-model';
import { matchesEventFilter } from './event-filter';

describe('webhook event filter', () => {
  it.each(ASSET_EVENT_TYPES)('"*" matches %s', (event) => {
    expect(matchesEventFilter(['*'], event)).toBe(true);
  });

  it('matches only the listed types', () => {
    const filter = ['asset.created', 'asset.deleted'] as const;
    expect(ASSET_EVENT_TYPES.filter((event) => matchesEventFilter(filter, event))).toEqual(['asset.created', 'asset.deleted']);
  });

  it('matches nothing when empty', () => {
    expect(ASSET_EVENT_TYPES.some((event) => matchesEventFilter([], event))).toBe(false);
  });
});
