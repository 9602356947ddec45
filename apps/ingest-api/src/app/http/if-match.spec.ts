import { parseIfMatch } from './if-match';

describe('If-Match', () => {
  it.each([
    ['*', 'any'],
    [' * ', 'any'],
    ['"a.1"', ['"a.1"']],
    ['"a.1", W/"b.2"', ['"a.1"', 'W/"b.2"']],
    ['""', ['""']],
  ])('reads %j', (header, expected) => {
    expect(parseIfMatch(header)).toEqual(expected);
  });

  it.each(['', ' ', 'a.1', '"a.1', '"a"b"', '*, "a"', '"a",', 'W/a'])('refuses %j', (header) => {
    expect(parseIfMatch(header)).toBeNull();
  });
});
