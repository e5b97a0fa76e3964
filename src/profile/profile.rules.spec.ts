import { ValidationError } from '../common/errors/app-error.js';
import { Gender, type ProfileFields } from './profile.model.js';
import { runeLength, trimWhiteSpace, validateProfileUpdate } from './profile.rules.js';

const LENGTH = {
  field: 'preferred_language',
  description: 'value length must be at most 10 runes',
};
const TAG = {
  field: 'preferred_language',
  description: 'value must be a well-formed BCP 47 language tag',
};
const nul = (field: string) => ({ field, description: 'value must not contain the NUL character' });
const nameLength = (field: string) => ({
  field,
  description: 'value length must be between 1 and 200 runes, inclusive',
});

function languageOf(preferredLanguage: string): string {
  return validateProfileUpdate({ ...valid, preferredLanguage }).preferredLanguage;
}

const valid: ProfileFields = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  nickName: 'ada',
  displayName: 'Ada Lovelace',
  preferredLanguage: 'en',
  gender: Gender.FEMALE,
};

function violationsOf(input: Partial<ProfileFields>): { field: string; description: string }[] {
  try {
    validateProfileUpdate({ ...valid, ...input });
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as ValidationError).fieldViolations];
  }
  throw new Error('expected a validation error');
}

describe('profile rules', () => {
  it('counts code points, not UTF-16 units or bytes', () => {
    expect(runeLength('😀')).toBe(1);
    expect('😀'.length).toBe(2);
    expect(runeLength('é')).toBe(1);
    expect(runeLength('e\u0301')).toBe(2);
  });

  it('accepts 200 astral characters and rejects 201', () => {
    expect(validateProfileUpdate({ ...valid, firstName: '😀'.repeat(200) }).firstName).toBe(
      '😀'.repeat(200),
    );
    expect(violationsOf({ firstName: '😀'.repeat(201) })).toEqual([
      {
        field: 'first_name',
        description: 'value length must be between 1 and 200 runes, inclusive',
      },
    ]);
  });

  it('trims Unicode white space first, so only spaces is empty', () => {
    expect(trimWhiteSpace('\u00a0\u2003 Ada \t\n\u3000')).toBe('Ada');
    expect(validateProfileUpdate({ ...valid, lastName: '  Byron  ' }).lastName).toBe('Byron');
    expect(violationsOf({ nickName: ' \t\u00a0 ' })).toEqual([
      {
        field: 'nick_name',
        description: 'value length must be between 1 and 200 runes, inclusive',
      },
    ]);
    // 200 characters plus surrounding spaces is still within the limit.
    expect(
      validateProfileUpdate({ ...valid, displayName: ` ${'x'.repeat(200)} ` }).displayName,
    ).toHaveLength(200);
  });

  it('reports every broken rule in field order and names the first in the message', () => {
    let error: unknown;
    try {
      validateProfileUpdate({
        firstName: '',
        lastName: '',
        nickName: '',
        displayName: '',
        preferredLanguage: 'not a tag!',
        gender: 9 as Gender,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const validation = error as ValidationError;
    expect(validation.message).toBe(
      'invalid UpdateMyProfileRequest.FirstName: value length must be between 1 and 200 runes, inclusive',
    );
    expect(validation.fieldViolations.map((v) => v.field)).toEqual([
      'first_name',
      'last_name',
      'nick_name',
      'display_name',
      'preferred_language',
      'gender',
    ]);
  });

  it('stores canonical BCP 47 tags and allows an empty language', () => {
    expect(validateProfileUpdate({ ...valid, preferredLanguage: 'en-us' }).preferredLanguage).toBe(
      'en-US',
    );
    expect(
      validateProfileUpdate({ ...valid, preferredLanguage: ' DE-ch ' }).preferredLanguage,
    ).toBe('de-CH');
    expect(
      validateProfileUpdate({ ...valid, preferredLanguage: 'zh-hant' }).preferredLanguage,
    ).toBe('zh-Hant');
    expect(validateProfileUpdate({ ...valid, preferredLanguage: '   ' }).preferredLanguage).toBe(
      '',
    );
  });

  it.each([
    ['en-us', 'en-US'],
    ['iw', 'he'],
    ['zh-hant-tw', 'zh-Hant-TW'],
    ['art-lojban', 'jbo'],
    ['x-abc', 'x-abc'],
    ['X-ABC', 'x-abc'],
    ['i-klingon', 'i-klingon'],
    ['I-KLINGON', 'i-klingon'],
    ['en-GB-oed', 'en-GB-oed'],
    ['EN-gb-OED', 'en-GB-oed'],
    ['sgn-BE-FR', 'sgn-BE-FR'],
    ['SGN-be-fr', 'sgn-BE-FR'],
    ['zh-min-nan', 'zh-min-nan'],
    ['zh-cmn', 'zh-cmn'],
    ['abcd', 'abcd'],
    ['abcde', 'abcde'],
    ['ABCDEFGH', 'abcdefgh'],
    [' de-1996 ', 'de-1996'],
    ['\u3000x-abc\t', 'x-abc'],
  ])('accepts the well-formed tag %j and stores %j', (tag, canonical) => {
    expect(languageOf(tag)).toBe(canonical);
  });

  it.each([
    'en_US',
    'e',
    'en--us',
    '123',
    'a-b',
    'en-x',
    'x-',
    'en-u',
    'abcdefghi',
    'i-foo',
    'english!',
  ])('rejects the malformed tag %j', (tag) => {
    expect(violationsOf({ preferredLanguage: tag })).toEqual([TAG]);
  });

  it('rejects malformed and over-long language tags, one violation per broken rule', () => {
    // Well-formed, but too long.
    expect(violationsOf({ preferredLanguage: 'de-DE-1996x' })).toEqual([LENGTH]);
    expect(violationsOf({ preferredLanguage: 'x-abcd-efgh' })).toEqual([LENGTH]);
    // Too long and malformed: both, length first.
    expect(violationsOf({ preferredLanguage: 'zzzzzzzzzzzzzzzz' })).toEqual([LENGTH, TAG]);
    expect(violationsOf({ preferredLanguage: 'en_US_POSIX' })).toEqual([LENGTH, TAG]);
    // The length counts code points of the trimmed value.
    expect(languageOf(' zh-min-nan ')).toBe('zh-min-nan');
  });

  it('names a double violation of preferred_language after the earlier fields', () => {
    let error: unknown;
    try {
      validateProfileUpdate({ ...valid, preferredLanguage: 'zzzzzzzzzzzzzzzz' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe(
      'invalid UpdateMyProfileRequest.PreferredLanguage: value length must be at most 10 runes',
    );
  });

  it.each([
    ['firstName', 'first_name'],
    ['lastName', 'last_name'],
    ['nickName', 'nick_name'],
    ['displayName', 'display_name'],
  ] as const)('rejects NUL in %s', (key, field) => {
    expect(violationsOf({ [key]: 'Ad\u0000a' })).toEqual([nul(field)]);
    // NUL is not white space: it is not trimmed away, and counts as a character.
    expect(violationsOf({ [key]: ' \u0000 ' })).toEqual([nul(field)]);
    // Length first, then NUL.
    expect(violationsOf({ [key]: '\u0000'.repeat(201) })).toEqual([nameLength(field), nul(field)]);
  });

  it('rejects NUL in preferred_language, after the length rule and before the tag rule', () => {
    expect(violationsOf({ preferredLanguage: 'en\u0000' })).toEqual([
      nul('preferred_language'),
      TAG,
    ]);
    expect(violationsOf({ preferredLanguage: '\u0000' })).toEqual([nul('preferred_language'), TAG]);
    expect(
      violationsOf({ preferredLanguage: 'en-US\u0000\u0000\u0000\u0000\u0000\u0000' }),
    ).toEqual([LENGTH, nul('preferred_language'), TAG]);
  });

  it('reports NUL in every field in field order, naming the first', () => {
    let error: unknown;
    try {
      validateProfileUpdate({
        firstName: 'A\u0000',
        lastName: 'B\u0000',
        nickName: 'C\u0000',
        displayName: 'D\u0000',
        preferredLanguage: 'E\u0000',
        gender: Gender.UNSPECIFIED,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const validation = error as ValidationError;
    expect(validation.message).toBe(
      'invalid UpdateMyProfileRequest.FirstName: value must not contain the NUL character',
    );
    expect(validation.fieldViolations).toEqual([
      nul('first_name'),
      nul('last_name'),
      nul('nick_name'),
      nul('display_name'),
      nul('preferred_language'),
      TAG,
    ]);
  });

  it('accepts the four genders and rejects other numbers', () => {
    for (const gender of [0, 1, 2, 3]) {
      expect(validateProfileUpdate({ ...valid, gender }).gender).toBe(gender);
    }
    expect(violationsOf({ gender: 4 as Gender })).toEqual([
      { field: 'gender', description: 'value must be one of the defined enum values' },
    ]);
    expect(violationsOf({ gender: -1 as Gender })).toHaveLength(1);
  });
});
