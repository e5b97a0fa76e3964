import { create } from '@bufbuild/protobuf';
import { ADA_MESSAGE } from '../../../test/support/profile.js';
import { ValidationError } from '../../common/errors/app-error.js';
import { runeLength, trimWhiteSpace } from '../../common/validation/text.js';
import { createValidationPipe } from '../../common/validation/validation.pipe.js';
import { UpdateMyProfileRequestSchema } from '../../gen/zitadel/auth_pb.js';
import { Gender, type ProfileFields } from '../profile.model.js';
import { UpdateMyProfileDto } from './update-my-profile.dto.js';

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

const pipe = createValidationPipe();

/**
 * What the handlers receive: the request message (as ProtoBodyInterceptor decodes it on every
 * transport) through the application's global ValidationPipe, bound to UpdateMyProfileDto.
 */
async function validateProfileUpdate(input: ProfileFields): Promise<UpdateMyProfileDto> {
  const message = create(UpdateMyProfileRequestSchema, input);
  const dto: unknown = await pipe.transform(message, {
    type: 'body',
    metatype: UpdateMyProfileDto,
  });
  expect(dto).toBeInstanceOf(UpdateMyProfileDto);
  return dto as UpdateMyProfileDto;
}

async function languageOf(preferredLanguage: string): Promise<string> {
  return (await validateProfileUpdate({ ...valid, preferredLanguage })).preferredLanguage;
}

const valid: ProfileFields = ADA_MESSAGE;

async function errorOf(input: ProfileFields): Promise<ValidationError> {
  try {
    await validateProfileUpdate(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a validation error');
}

async function violationsOf(
  input: Partial<ProfileFields>,
): Promise<{ field: string; description: string }[]> {
  return [...(await errorOf({ ...valid, ...input })).fieldViolations];
}

describe('UpdateMyProfileDto through the ValidationPipe', () => {
  it('counts code points, not UTF-16 units or bytes', () => {
    expect(runeLength('😀')).toBe(1);
    expect('😀'.length).toBe(2);
    expect(runeLength('é')).toBe(1);
    expect(runeLength('e\u0301')).toBe(2);
  });

  it('accepts 200 astral characters and rejects 201', async () => {
    expect((await validateProfileUpdate({ ...valid, firstName: '😀'.repeat(200) })).firstName).toBe(
      '😀'.repeat(200),
    );
    expect(await violationsOf({ firstName: '😀'.repeat(201) })).toEqual([
      {
        field: 'first_name',
        description: 'value length must be between 1 and 200 runes, inclusive',
      },
    ]);
  });

  it('trims Unicode white space first, so only spaces is empty', async () => {
    expect(trimWhiteSpace('\u00a0\u2003 Ada \t\n\u3000')).toBe('Ada');
    expect((await validateProfileUpdate({ ...valid, lastName: '  Byron  ' })).lastName).toBe(
      'Byron',
    );
    expect(await violationsOf({ nickName: ' \t\u00a0 ' })).toEqual([
      {
        field: 'nick_name',
        description: 'value length must be between 1 and 200 runes, inclusive',
      },
    ]);
    // 200 characters plus surrounding spaces is still within the limit.
    expect(
      (await validateProfileUpdate({ ...valid, displayName: ` ${'x'.repeat(200)} ` })).displayName,
    ).toHaveLength(200);
  });

  it('reports every broken rule in field order and names the first in the message', async () => {
    const error = await errorOf({
      firstName: '',
      lastName: '',
      nickName: '',
      displayName: '',
      preferredLanguage: 'not a tag!',
      gender: 9 as Gender,
    });
    const validation = error;
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

  it('stores canonical BCP 47 tags and allows an empty language', async () => {
    expect(
      (await validateProfileUpdate({ ...valid, preferredLanguage: 'en-us' })).preferredLanguage,
    ).toBe('en-US');
    expect(
      (await validateProfileUpdate({ ...valid, preferredLanguage: ' DE-ch ' })).preferredLanguage,
    ).toBe('de-CH');
    expect(
      (await validateProfileUpdate({ ...valid, preferredLanguage: 'zh-hant' })).preferredLanguage,
    ).toBe('zh-Hant');
    expect(
      (await validateProfileUpdate({ ...valid, preferredLanguage: '   ' })).preferredLanguage,
    ).toBe('');
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
  ])('accepts the well-formed tag %j and stores %j', async (tag, canonical) => {
    expect(await languageOf(tag)).toBe(canonical);
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
  ])('rejects the malformed tag %j', async (tag) => {
    expect(await violationsOf({ preferredLanguage: tag })).toEqual([TAG]);
  });

  it('rejects malformed and over-long language tags, one violation per broken rule', async () => {
    // Well-formed, but too long.
    expect(await violationsOf({ preferredLanguage: 'de-DE-1996x' })).toEqual([LENGTH]);
    expect(await violationsOf({ preferredLanguage: 'x-abcd-efgh' })).toEqual([LENGTH]);
    // Too long and malformed: both, length first.
    expect(await violationsOf({ preferredLanguage: 'zzzzzzzzzzzzzzzz' })).toEqual([LENGTH, TAG]);
    expect(await violationsOf({ preferredLanguage: 'en_US_POSIX' })).toEqual([LENGTH, TAG]);
    // The length counts code points of the trimmed value.
    expect(await languageOf(' zh-min-nan ')).toBe('zh-min-nan');
  });

  it('judges the language as sent, and stores its canonical form even when that is longer', async () => {
    // 10 characters as sent; canonical `sr-Latn-RS-1901` has 15.
    expect(await languageOf('sh-RS-1901')).toBe('sr-Latn-RS-1901');
    expect(await languageOf(' tl-PH-x-yz ')).toBe('fil-PH-x-yz');
    // 11 characters as sent; canonical `xtg` has 3: still too long.
    expect(await violationsOf({ preferredLanguage: 'cel-gaulish' })).toEqual([LENGTH]);
    expect(await violationsOf({ preferredLanguage: 'hye-arevela' })).toEqual([LENGTH]);
  });

  it('names a double violation of preferred_language after the earlier fields', async () => {
    const error = await errorOf({ ...valid, preferredLanguage: 'zzzzzzzzzzzzzzzz' });
    expect(error.message).toBe(
      'invalid UpdateMyProfileRequest.PreferredLanguage: value length must be at most 10 runes',
    );
  });

  it.each([
    ['firstName', 'first_name'],
    ['lastName', 'last_name'],
    ['nickName', 'nick_name'],
    ['displayName', 'display_name'],
  ] as const)('rejects NUL in %s', async (key, field) => {
    expect(await violationsOf({ [key]: 'Ad\u0000a' })).toEqual([nul(field)]);
    // NUL is not white space: it is not trimmed away, and counts as a character.
    expect(await violationsOf({ [key]: ' \u0000 ' })).toEqual([nul(field)]);
    // Length first, then NUL.
    expect(await violationsOf({ [key]: '\u0000'.repeat(201) })).toEqual([
      nameLength(field),
      nul(field),
    ]);
  });

  it('rejects NUL in preferred_language, after the length rule and before the tag rule', async () => {
    expect(await violationsOf({ preferredLanguage: 'en\u0000' })).toEqual([
      nul('preferred_language'),
      TAG,
    ]);
    expect(await violationsOf({ preferredLanguage: '\u0000' })).toEqual([
      nul('preferred_language'),
      TAG,
    ]);
    expect(
      await violationsOf({ preferredLanguage: 'en-US\u0000\u0000\u0000\u0000\u0000\u0000' }),
    ).toEqual([LENGTH, nul('preferred_language'), TAG]);
  });

  it('reports NUL in every field in field order, naming the first', async () => {
    const error = await errorOf({
      firstName: 'A\u0000',
      lastName: 'B\u0000',
      nickName: 'C\u0000',
      displayName: 'D\u0000',
      preferredLanguage: 'E\u0000',
      gender: Gender.UNSPECIFIED,
    });
    const validation = error;
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

  it('accepts the four genders and rejects other numbers', async () => {
    for (const gender of [0, 1, 2, 3]) {
      expect((await validateProfileUpdate({ ...valid, gender })).gender).toBe(gender);
    }
    expect(await violationsOf({ gender: 4 as Gender })).toEqual([
      { field: 'gender', description: 'value must be one of the defined enum values' },
    ]);
    expect(await violationsOf({ gender: -1 as Gender })).toHaveLength(1);
  });
});
