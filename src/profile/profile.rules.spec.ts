import { ValidationError } from '../common/errors/app-error.js';
import { Gender, type ProfileFields } from './profile.model.js';
import {
  canonicalLanguageTag,
  runeLength,
  trimWhiteSpace,
  validateProfileUpdate,
} from './profile.rules.js';

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
    expect(canonicalLanguageTag('en_US')).toBeUndefined();
    expect(canonicalLanguageTag('e')).toBeUndefined();
  });

  it('rejects malformed and over-long language tags', () => {
    expect(violationsOf({ preferredLanguage: 'english!' })).toEqual([
      {
        field: 'preferred_language',
        description: 'value must be a well-formed BCP 47 language tag',
      },
    ]);
    expect(violationsOf({ preferredLanguage: 'de-DE-1996x' })).toEqual([
      { field: 'preferred_language', description: 'value length must be at most 10 runes' },
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
