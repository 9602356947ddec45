import { entityTag, ifNoneMatchMatches, ifRangeMatches } from './entity-tag.util';

const SHA = 'a'.repeat(64);
const ID = '65f000000000000000000001';
const TAG = `"${ID}-${SHA}"`;

describe('entityTag', () => {
  it('is a strong tag of the id and the content hash', () => {
    expect(entityTag(ID, SHA, { length: 1, uploadDate: new Date(0) })).toBe(TAG);
  });

  it('falls back to length and upload date when the hash is missing, and differs per file', () => {
    const a = entityTag(ID, null, { length: 10, uploadDate: new Date(1_700_000_000_000) });
    const b = entityTag(ID, null, { length: 11, uploadDate: new Date(1_700_000_000_000) });
    expect(a).toMatch(/^"[^"]+"$/);
    expect(a).not.toBe(b);
  });
});

describe('ifNoneMatchMatches', () => {
  it.each([
    ['the same tag', TAG, true],
    ['the weak form of the same tag', `W/${TAG}`, true],
    ['a list containing it', `"other", ${TAG}`, true],
    ['a list without spaces containing it', `"other",${TAG}`, true],
    ['a wildcard', '*', true],
    ['another tag', '"other"', false],
    ['an unquoted tag', `${ID}-${SHA}`, false],
    ['no header', undefined, false],
  ])('%s → %p', (_, header, expected) => {
    expect(ifNoneMatchMatches(header, TAG)).toBe(expected);
  });
});

describe('ifRangeMatches', () => {
  it.each([
    ['absent (the range applies)', undefined, true],
    ['the same tag', TAG, true],
    ['the weak form (strong comparison fails)', `W/${TAG}`, false],
    ['another tag', '"other"', false],
    ['a date (we do not serve ranges on dates)', 'Wed, 21 Oct 2015 07:28:00 GMT', false],
  ])('%s → %p', (_, header, expected) => {
    expect(ifRangeMatches(header, TAG)).toBe(expected);
  });
});
