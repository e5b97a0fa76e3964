import { acceptRequestId } from './request-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('acceptRequestId', () => {
  it.each([
    ['a', 'one character'],
    ['req-42', 'a plain token'],
    ['x'.repeat(128), '128 characters'],
    ['a b~!"#$%&()*+,-./:;<=>?@[\\]^_`{|}', 'inner spaces and every kind of punctuation'],
    ['0123456789ABCDEFabcdef', 'digits and letters'],
  ])('keeps a valid id: %s (%s)', (id) => {
    expect(acceptRequestId(id)).toBe(id);
  });

  it.each([
    [undefined, 'none'],
    ['', 'empty'],
    ['x'.repeat(129), 'longer than 128'],
    ['café', 'not ASCII'],
    ['a\tb', 'a control character'],
    ['a\x7fb', 'DEL'],
    [' a', 'a leading space'],
    ['a ', 'a trailing space'],
    [' ', 'only a space'],
    [42, 'not a string'],
    [Buffer.from('req'), 'binary metadata'],
  ] as [unknown, string][])('replaces an invalid id: %j (%s)', (given) => {
    const id = acceptRequestId(given);
    expect(id).toMatch(UUID);
    expect(acceptRequestId(given)).not.toBe(id);
  });

  it('joins repeated values as Node joins a repeated header, within the same limits', () => {
    expect(acceptRequestId(['a', 'b'])).toBe('a, b');
    expect(acceptRequestId(['x'.repeat(100), 'y'.repeat(100)])).toMatch(UUID);
    expect(acceptRequestId([])).toMatch(UUID);
    expect(acceptRequestId(['a', Buffer.from('b')])).toMatch(UUID);
  });
});
