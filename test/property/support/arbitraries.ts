// Arbitraries of UpdateMyProfile requests within (and outside) the rules of contract section 2.
import fc from 'fast-check';
import {
  codePoints,
  FIELDS,
  type FieldKey,
  NAME_FIELDS,
  type NameField,
  type Profile,
  trimmed,
  WHITE_SPACE,
  GENDER_NAMES,
} from './oracle.js';

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

/** Code points that have tripped up text handling somewhere: marks, joiners, astral, BOM, … */
const NOTABLE = [
  '\u0301', // combining acute accent
  '\u0308\u0301', // two combining marks
  '\u200d', // zero-width joiner (not White_Space)
  '\u200b', // zero-width space (not White_Space)
  '\ufeff', // BOM (not White_Space, but JavaScript's trim() removes it)
  '\ufe0f', // variation selector
  '\u{1f600}', // astral emoji
  '\u{1f3f3}\u{fe0f}\u{200d}\u{1f308}', // a flag of four code points
  '\u{1d11e}', // astral symbol
  '\u{10ffff}', // last code point
  '\uffff', // noncharacter
  '\ue000', // private use
  'ß',
  'İ',
  'ﬀ',
  '"',
  '\\',
  '\u007f',
  '\u0001',
  '%',
];

/** One unit of a name: printable ASCII, any code point but U+0000, a grapheme, or a notable one. */
const unit: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(...NOTABLE) },
);

const whiteSpace = fc.constantFrom(...WHITE_SPACE.map((c) => String.fromCodePoint(c)));
/** Leading or trailing white space that the service must trim. */
export const padding = fc.array(whiteSpace, { maxLength: 3 }).map((s) => s.join(''));

/** A string of exactly `count` code points from `unit` (longer graphemes are cut). */
function ofCodePoints(count: number): fc.Arbitrary<string> {
  return fc
    .array(unit, { minLength: count, maxLength: count })
    .map((units) => [...units.join('').replaceAll('\u0000', 'z')].slice(0, count).join(''));
}

/**
 * A valid name as sent: 1 to 200 code points after trimming (the lengths at both ends included),
 * no U+0000, possibly padded with white space.
 */
export const validName: fc.Arbitrary<string> = fc
  .tuple(padding, fc.integer({ min: 1, max: 200 }).chain(ofCodePoints), padding)
  .map(([before, core, after]) => before + core + after)
  .filter((raw) => {
    const length = codePoints(trimmed(raw));
    return length >= 1 && length <= 200;
  });

// ---------------------------------------------------------------------------------------------
// Language tags (RFC 5646 section 2.1)
// ---------------------------------------------------------------------------------------------

const alpha = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ');
const digit = fc.constantFrom(...'0123456789');
const alnum = fc.oneof(alpha, digit);
const word = (a: fc.Arbitrary<string>, min: number, max: number) =>
  fc.array(a, { minLength: min, maxLength: max }).map((c) => c.join(''));

const language = fc.oneof(
  { weight: 6, arbitrary: word(alpha, 2, 3) },
  { weight: 1, arbitrary: fc.tuple(word(alpha, 2, 3), word(alpha, 3, 3)).map((p) => p.join('-')) },
  { weight: 1, arbitrary: word(alpha, 4, 4) },
  { weight: 1, arbitrary: word(alpha, 5, 8) },
);
const script = word(alpha, 4, 4);
const region = fc.oneof(word(alpha, 2, 2), word(digit, 3, 3));
const variant = fc.oneof(
  word(alnum, 5, 8),
  fc.tuple(digit, word(alnum, 3, 3)).map((p) => p.join('')),
);
const singleton = fc.constantFrom(
  ...'0123456789abcdefghijklmnopqrstuvwyzABCDEFGHIJKLMNOPQRSTUVWYZ',
);
const extension = fc
  .tuple(singleton, fc.array(word(alnum, 2, 8), { minLength: 1, maxLength: 2 }))
  .map(([s, subtags]) => [s, ...subtags].join('-'));
const privateUse = fc
  .tuple(fc.constantFrom('x', 'X'), fc.array(word(alnum, 1, 8), { minLength: 1, maxLength: 2 }))
  .map(([x, subtags]) => [x, ...subtags].join('-'));
const langtag = fc
  .tuple(
    language,
    fc.option(script),
    fc.option(region),
    fc.array(variant, { maxLength: 1 }),
    fc.array(extension, { maxLength: 1 }),
    fc.option(privateUse),
  )
  .map(([l, s, r, v, e, x]) => [l, s, r, ...v, ...e, x].filter((p) => p !== null).join('-'));

/** Tags with a history: deprecated codes Intl replaces, grandfathered ones, odd but valid forms. */
const NOTABLE_TAGS = [
  'en',
  'en-us',
  'EN-gb',
  'de-CH-1996',
  'zh-Hant-TW',
  'sr-latn-rs',
  'es-419',
  'iw',
  'in',
  'ji',
  'mo',
  'sh',
  'no',
  'und',
  'root',
  'art-lojban',
  'zh-guoyu',
  'i-klingon',
  'I-AMI',
  'en-GB-oed',
  'sgn-BE-FR',
  'zh-min-nan',
  'zh-cmn',
  'x-private',
  'ja-Latn',
  'hy-arevela',
  'en-a-bbb',
  'x-a',
];

/**
 * A well-formed BCP 47 tag, in any letter case, of at most 10 code points as sent (its canonical
 * form may be longer: `sh-RS-1901` is stored as `sr-Latn-RS-1901`).
 */
export const validLanguageTag: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 4, arbitrary: langtag },
    { weight: 1, arbitrary: fc.constantFrom(...NOTABLE_TAGS, 'sh-RS-1901', 'tl-PH-x-yz') },
  )
  .filter((tag) => tag.length <= 10);

/** preferred_language as sent: empty or a valid tag, possibly padded with white space. */
export const validLanguage: fc.Arbitrary<string> = fc
  .tuple(
    padding,
    fc.oneof({ weight: 1, arbitrary: fc.constant('') }, { weight: 4, arbitrary: validLanguageTag }),
    padding,
  )
  .map(([a, tag, b]) => a + tag + b);

export const gender = fc.integer({ min: 0, max: 3 });

// ---------------------------------------------------------------------------------------------
// Whole requests
// ---------------------------------------------------------------------------------------------

/** The six values of a valid request, as sent (untrimmed). */
export const validValues: fc.Arbitrary<Profile> = fc.record({
  firstName: validName,
  lastName: validName,
  nickName: validName,
  displayName: validName,
  preferredLanguage: validLanguage,
  gender,
});

/** What the service must store for `values` (names and language trimmed; see languageMatches). */
export function expectedStored(values: Profile): Profile {
  return {
    firstName: trimmed(values.firstName),
    lastName: trimmed(values.lastName),
    nickName: trimmed(values.nickName),
    displayName: trimmed(values.displayName),
    preferredLanguage: trimmed(values.preferredLanguage),
    gender: values.gender,
  };
}

/** How a JSON body spells one field: its lowerCamelCase or its proto name. */
export type KeyStyle = 'camel' | 'snake';

export function jsonKey(field: FieldKey, style: KeyStyle): string {
  const f = FIELDS.find((x) => x.key === field)!;
  return style === 'camel' ? f.key : f.proto;
}

const KNOWN_KEYS = new Set<string>(FIELDS.flatMap((f) => [f.key, f.proto]));

/** A key that is none of the message's fields (prototype names included), with any JSON value. */
export const unknownField: fc.Arbitrary<[string, fc.JsonValue]> = fc.tuple(
  fc
    .oneof(
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.constantFrom(
        '__proto__',
        'constructor',
        'toString',
        'FirstName',
        'first-name',
        '@type',
        '',
      ),
    )
    .filter((key) => !KNOWN_KEYS.has(key)),
  fc.jsonValue({ maxDepth: 2 }),
);

/** How a valid request is written as JSON: key styles, gender by name or number, extras. */
export interface JsonShape {
  styles: Record<FieldKey, KeyStyle>;
  /** name | number | omitted (only for 0) | null (only for 0: the default) */
  gender: 'name' | 'number' | 'omitted' | 'null';
  /** An empty language left out or sent as null instead of "". */
  emptyLanguage: 'value' | 'omitted' | 'null';
  unknown: [string, fc.JsonValue][];
  /** \uXXXX escapes for everything outside ASCII, instead of the characters themselves. */
  asciiOnly: boolean;
  /** Where the keys go: a permutation (by sort keys). */
  order: number[];
  /** JSON white space between tokens. */
  space: string;
}

const keyStyle = fc.constantFrom<KeyStyle>('camel', 'snake');
export const jsonShape: fc.Arbitrary<JsonShape> = fc.record({
  styles: fc.record({
    firstName: keyStyle,
    lastName: keyStyle,
    nickName: keyStyle,
    displayName: keyStyle,
    preferredLanguage: keyStyle,
    gender: keyStyle,
  }),
  gender: fc.constantFrom('name', 'number', 'omitted', 'null'),
  emptyLanguage: fc.constantFrom('value', 'omitted', 'null'),
  unknown: fc.array(unknownField, { maxLength: 3 }),
  asciiOnly: fc.boolean(),
  order: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
  space: fc.constantFrom('', ' ', '\n', '\t ', '\r\n'),
});

/** JSON text of one string, optionally with every non-ASCII UTF-16 unit escaped. */
export function jsonString(value: string, asciiOnly: boolean): string {
  const json = JSON.stringify(value);
  return asciiOnly
    ? json.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : json;
}

/** The entries of an object, in order, as JSON text: keys may repeat and may be `__proto__`. */
export function jsonObject(entries: [string, string][], space = ''): string {
  return `{${space}${entries.map(([k, v]) => `${k}${space}:${space}${v}`).join(`,${space}`)}${space}}`;
}

/**
 * Overrides of single fields in a JSON body: the JSON text of the value, `null` to leave the
 * key out, or a list of [key, JSON text] entries that replace the field's own (to set it twice).
 */
export type JsonOverrides = Partial<Record<FieldKey, string | null | [string, string][]>>;

/** A request as a JSON body, written the way `shape` says, with `overrides` applied. */
export function validJson(
  values: Profile,
  shape: JsonShape,
  overrides: JsonOverrides = {},
): string {
  const entries: [string, string][] = [];
  const put = (field: FieldKey, text: string | undefined) => {
    const override = overrides[field];
    if (Array.isArray(override)) entries.push(...override);
    else if (override === null) return;
    else if (override !== undefined) entries.push([keyOf(field, shape), override]);
    else if (text !== undefined) entries.push([keyOf(field, shape), text]);
  };
  for (const field of NAME_FIELDS) put(field, jsonString(values[field], shape.asciiOnly));
  put(
    'preferredLanguage',
    values.preferredLanguage !== '' || shape.emptyLanguage === 'value'
      ? jsonString(values.preferredLanguage, shape.asciiOnly)
      : shape.emptyLanguage === 'null'
        ? 'null'
        : undefined,
  );
  const name = GENDER_NAME[values.gender];
  const by =
    name === undefined
      ? 'number'
      : values.gender === 0
        ? shape.gender
        : shape.gender === 'number'
          ? 'number'
          : 'name';
  put(
    'gender',
    by === 'name'
      ? JSON.stringify(name)
      : by === 'number'
        ? String(values.gender)
        : by === 'null'
          ? 'null'
          : undefined,
  );
  for (const [key, value] of shape.unknown) {
    entries.push([jsonString(key, shape.asciiOnly), JSON.stringify(value)]);
  }
  return jsonObject(permute(entries, shape.order), shape.space);
}

/** The JSON text of a field's key in the style `shape` gives it. */
export function keyOf(field: FieldKey, shape: JsonShape): string {
  return jsonString(jsonKey(field, shape.styles[field]), false);
}

const GENDER_NAME: readonly string[] = GENDER_NAMES;

/** `items` reordered by the sort keys `order` (stable; missing keys count as 0). */
export function permute<T>(items: T[], order: number[]): T[] {
  return items
    .map((item, i) => ({ item, key: order[i % order.length] ?? 0, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map((x) => x.item);
}

export { NAME_FIELDS, type NameField };
