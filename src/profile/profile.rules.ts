import { type FieldViolation, ValidationError } from '../common/errors/app-error.js';
import { canonicalLanguageTag } from './language-tag.js';
import { Gender, PROTO_NAMES, type ProfileFields } from './profile.model.js';

export const NAME_MAX_LENGTH = 200;
export const LANGUAGE_MAX_LENGTH = 10;

const NAME_LENGTH_RULE = `value length must be between 1 and ${NAME_MAX_LENGTH} runes, inclusive`;
const LANGUAGE_LENGTH_RULE = `value length must be at most ${LANGUAGE_MAX_LENGTH} runes`;
const LANGUAGE_TAG_RULE = 'value must be a well-formed BCP 47 language tag';
/** PostgreSQL cannot store U+0000 in text columns. */
const NUL_RULE = 'value must not contain the NUL character';
const GENDER_RULE = 'value must be one of the defined enum values';

const GENDERS: ReadonlySet<number> = new Set(
  Object.values(Gender).filter((v): v is number => typeof v === 'number'),
);

/** Unicode White_Space at either end (Go's strings.TrimSpace trims the same set). */
const OUTER_WHITE_SPACE = /^\p{White_Space}+|\p{White_Space}+$/gu;

/** The number of Unicode code points ("runes"), not UTF-16 units or bytes. */
export function runeLength(value: string): number {
  let count = 0;
  for (let i = 0; i < value.length; i++, count++) {
    const unit = value.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return count;
}

export function trimWhiteSpace(value: string): string {
  return value.replace(OUTER_WHITE_SPACE, '');
}

/** Whether the value holds U+0000, which PostgreSQL cannot store in text. */
function containsNul(value: string): boolean {
  return value.includes('\u0000');
}

/**
 * Checks an UpdateMyProfileRequest by the contract's rules and returns the values to store
 * (trimmed, language canonical). Every broken rule is reported, in field order.
 */
export function validateProfileUpdate(input: ProfileFields): ProfileFields {
  const violations: FieldViolation[] = [];
  const name = (field: 'firstName' | 'lastName' | 'nickName' | 'displayName'): string => {
    const value = trimWhiteSpace(input[field]);
    const length = runeLength(value);
    if (length < 1 || length > NAME_MAX_LENGTH) {
      violations.push({ field: PROTO_NAMES[field], description: NAME_LENGTH_RULE });
    }
    if (containsNul(value)) {
      violations.push({ field: PROTO_NAMES[field], description: NUL_RULE });
    }
    return value;
  };
  const firstName = name('firstName');
  const lastName = name('lastName');
  const nickName = name('nickName');
  const displayName = name('displayName');

  // Each broken rule is its own violation: length, then NUL, then the tag's grammar.
  let preferredLanguage = trimWhiteSpace(input.preferredLanguage);
  if (runeLength(preferredLanguage) > LANGUAGE_MAX_LENGTH) {
    violations.push({ field: PROTO_NAMES.preferredLanguage, description: LANGUAGE_LENGTH_RULE });
  }
  if (containsNul(preferredLanguage)) {
    violations.push({ field: PROTO_NAMES.preferredLanguage, description: NUL_RULE });
  }
  if (preferredLanguage !== '') {
    const canonical = canonicalLanguageTag(preferredLanguage);
    if (canonical === undefined) {
      violations.push({ field: PROTO_NAMES.preferredLanguage, description: LANGUAGE_TAG_RULE });
    } else {
      preferredLanguage = canonical;
    }
  }

  if (!GENDERS.has(input.gender)) {
    violations.push({ field: PROTO_NAMES.gender, description: GENDER_RULE });
  }

  const [first, ...rest] = violations;
  if (first !== undefined) throw new ValidationError('UpdateMyProfileRequest', [first, ...rest]);
  return { firstName, lastName, nickName, displayName, preferredLanguage, gender: input.gender };
}
