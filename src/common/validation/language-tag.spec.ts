import {
  canonicalLanguageTag,
  formatLanguageTagCase,
  isWellFormedLanguageTag,
} from './language-tag.js';

describe('BCP 47 language tags (RFC 5646 section 2.1)', () => {
  it.each([
    // Intl accepts these: its canonicalisation is kept.
    ['en', 'en'],
    ['en-us', 'en-US'],
    ['DE-ch', 'de-CH'],
    ['zh-hant', 'zh-Hant'],
    ['zh-hant-tw', 'zh-Hant-TW'],
    ['es-419', 'es-419'],
    ['iw', 'he'],
    ['art-lojban', 'jbo'],
    ['abcde', 'abcde'],
    ['ABCDEFGH', 'abcdefgh'],
    ['de-1996', 'de-1996'],
    ['sl-rozaj', 'sl-rozaj'],
    ['en-a-bbb', 'en-a-bbb'],
    ['en-x-Abc', 'en-x-abc'],
    // Well-formed by RFC 5646, but no Unicode locale identifier: its case conventions.
    ['x-abc', 'x-abc'],
    ['X-ABC', 'x-abc'],
    ['x-1', 'x-1'],
    ['i-klingon', 'i-klingon'],
    ['I-KLINGON', 'i-klingon'],
    ['i-default', 'i-default'],
    ['en-GB-oed', 'en-GB-oed'],
    ['EN-gb-OED', 'en-GB-oed'],
    ['sgn-BE-FR', 'sgn-BE-FR'],
    ['SGN-be-fr', 'sgn-BE-FR'],
    ['zh-min-nan', 'zh-min-nan'],
    ['zh-min', 'zh-min'],
    ['no-bok', 'no-bok'],
    ['zh-cmn', 'zh-cmn'],
    ['ZH-CMN-HANS', 'zh-cmn-Hans'],
    ['abcd', 'abcd'],
    ['ABCD-latn', 'abcd-Latn'],
    // Well-formed though not valid (a repeated variant, a repeated singleton).
    ['de-1996-1996', 'de-1996-1996'],
    ['en-a-bb-A-CC', 'en-a-bb-a-cc'],
  ])('accepts %s as %s', (tag, canonical) => {
    expect(isWellFormedLanguageTag(tag)).toBe(true);
    expect(canonicalLanguageTag(tag)).toBe(canonical);
  });

  it.each([
    'en_US',
    'e',
    'en--us',
    '123',
    'a-b',
    'en-x',
    'x-',
    'x',
    'en-u',
    'en-a-b',
    'abcdefghi',
    'x-abcdefghi',
    '-en',
    'en-',
    '',
    'i-foo',
    'i',
    'en-US-US',
    'en-Latn-Latn',
    'en-abc-def-ghi-jkl',
    'not a tag!',
    'english!',
    'en-us\u0000',
    // Non-ASCII letters that case-fold onto ASCII ones (KELVIN SIGN, LONG S, dotted I).
    'en-\u212Aa',
    '\u017Fl',
    '\u0130-klingon',
  ])('rejects %j', (tag) => {
    expect(isWellFormedLanguageTag(tag)).toBe(false);
    expect(canonicalLanguageTag(tag)).toBeUndefined();
  });

  it('applies the section 2.1.1 case conventions', () => {
    expect(formatLanguageTagCase('EN-LATN-US-VARIANT-A-ABC-X-DEF')).toBe(
      'en-Latn-US-variant-a-abc-x-def',
    );
    expect(formatLanguageTagCase('SGN-be-fr')).toBe('sgn-BE-FR');
    expect(formatLanguageTagCase('x-AB-ABCD')).toBe('x-ab-abcd');
    expect(formatLanguageTagCase('en-a-AB-latn')).toBe('en-a-ab-latn');
    expect(formatLanguageTagCase('es-419')).toBe('es-419');
  });
});
