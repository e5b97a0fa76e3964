// What the contract (section 2) says a stored value is, written independently of the service's
// own helpers: trimming by an explicit list of the Unicode White_Space code points, lengths in
// code points, and the canonical language tag as Intl computes it.

/**
 * Unicode's White_Space property (PropList.txt): not the same set as JavaScript's `trim()`, which
 * also removes U+FEFF and keeps U+0085.
 */
export const WHITE_SPACE: readonly number[] = [
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
  0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
];
const WHITE = new Set(WHITE_SPACE);

/** The value without leading and trailing White_Space. */
export function trimmed(value: string): string {
  const points = [...value];
  let start = 0;
  let end = points.length;
  while (start < end && WHITE.has(points[start]!.codePointAt(0)!)) start += 1;
  while (end > start && WHITE.has(points[end - 1]!.codePointAt(0)!)) end -= 1;
  return points.slice(start, end).join('');
}

export function codePoints(value: string): number {
  return [...value].length;
}

/**
 * The stored form of a language tag the service accepts: Intl's canonical form where Intl takes
 * the tag; `undefined` where it does not (then only the letters are fixed: the case may change).
 */
export function intlCanonical(tag: string): string | undefined {
  if (tag === '') return '';
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

/** The six fields as every transport can report them: gender by number. */
export interface Profile {
  firstName: string;
  lastName: string;
  nickName: string;
  displayName: string;
  preferredLanguage: string;
  gender: number;
}

export const NAME_FIELDS = ['firstName', 'lastName', 'nickName', 'displayName'] as const;
export type NameField = (typeof NAME_FIELDS)[number];

export const GENDER_NAMES = [
  'GENDER_UNSPECIFIED',
  'GENDER_FEMALE',
  'GENDER_MALE',
  'GENDER_DIVERSE',
] as const;

/** Proto name, JSON name, Go name and field number of each field, in the message's order. */
export const FIELDS = [
  { key: 'firstName', proto: 'first_name', go: 'FirstName', number: 1 },
  { key: 'lastName', proto: 'last_name', go: 'LastName', number: 2 },
  { key: 'nickName', proto: 'nick_name', go: 'NickName', number: 3 },
  { key: 'displayName', proto: 'display_name', go: 'DisplayName', number: 4 },
  { key: 'preferredLanguage', proto: 'preferred_language', go: 'PreferredLanguage', number: 5 },
  { key: 'gender', proto: 'gender', go: 'Gender', number: 6 },
] as const;
export type FieldKey = (typeof FIELDS)[number]['key'];

/** Does the stored profile hold what was sent, as the contract defines "stored as given"? */
export function sameProfile(stored: Profile, expected: Profile): boolean {
  return (
    NAME_FIELDS.every((f) => stored[f] === expected[f]) &&
    stored.gender === expected.gender &&
    languageMatches(stored.preferredLanguage, expected.preferredLanguage)
  );
}

/**
 * `expected` is what was sent (trimmed). A tag Intl takes must be stored as Intl's canonical
 * form; one Intl refuses (private use, extlang, irregular grandfathered) keeps its letters.
 */
export function languageMatches(stored: string, expected: string): boolean {
  const canonical = intlCanonical(expected);
  return canonical === undefined
    ? stored.toLowerCase() === expected.toLowerCase()
    : stored === canonical;
}
