import { missingScopes, parseScopes, SCOPES } from './scopes';

describe('scope vocabulary', () => {
  it('is pinned: changing it is a contract change', () => {
    expect(SCOPES).toEqual(['assets', 'assets_publish', 'assets_delete', 'webhooks']);
  });
});

describe('parseScopes', () => {
  it.each([
    ['assets assets_publish', ['assets', 'assets_publish']],
    ['  assets   assets_delete ', ['assets', 'assets_delete']],
    [['webhooks', 'assets'], ['webhooks', 'assets']],
    ['assets assets', ['assets']],
    ['openid assets profile', ['assets']],
    ['ASSETS', []],
    ['', []],
    [undefined, []],
    [42, []],
    [[1, null, 'assets'], ['assets']],
  ])('%p → %p', (claim, scopes) => {
    expect(parseScopes(claim)).toEqual(scopes);
  });
});

describe('missingScopes', () => {
  it('allows when every required scope is granted', () => {
    expect(missingScopes(['assets', 'assets_publish'], ['assets_publish'])).toEqual([]);
  });

  it('names what is missing', () => {
    expect(missingScopes(['assets'], ['assets_publish'])).toEqual(['assets_publish']);
  });

  it('treats no scope as implying another (publish does not grant read, read does not grant delete)', () => {
    for (const granted of SCOPES) {
      for (const required of SCOPES) {
        expect(missingScopes([granted], [required])).toEqual(granted === required ? [] : [required]);
      }
    }
  });

  it('needs nothing for a route that requires nothing', () => {
    expect(missingScopes([], [])).toEqual([]);
  });
});
