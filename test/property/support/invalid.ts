// Arbitraries of broken UpdateMyProfile requests, each break with the field violations that
// contract section 5 makes of it (one per broken rule, field by proto name, in the message's
// field order and, within a field, in the order the rules are listed: length, NUL, tag).
import fc from 'fast-check';
import { GENDER_RULE, LANGUAGE_LENGTH_RULE, NAME_RULE } from '../../support/status.js';
import { padding, validLanguageTag, validName } from './arbitraries.js';
import { codePoints, FIELDS, type FieldKey, trimmed } from './oracle.js';

export const NUL_RULE = 'value must not contain the NUL character';
export const TAG_RULE = 'value must be a well-formed BCP 47 language tag';
export const STRING_TYPE_RULE = 'value must be a string';
export const SET_TWICE_RULE = 'value is set more than once';

/** A broken value and the descriptions of the rules it breaks, in order. */
export interface Broken<V> {
  value: V;
  /** `missing`: the field is left out (a JSON key absent; proto3 cannot tell it from ""). */
  missing?: boolean;
  rules: string[];
  kind: string;
}

const broken = <V>(kind: string, value: V, rules: string[], missing = false): Broken<V> => ({
  kind,
  value,
  rules,
  ...(missing ? { missing } : {}),
});

/** Inserts U+0000 at `at` (modulo the length + 1) of the code points of `core`. */
function withNul(core: string, at: number): string {
  const points = [...core];
  points.splice(at % (points.length + 1), 0, '\u0000');
  return points.join('');
}

/** `count` code points, neither end white space (so trimming keeps them all). */
const solid = (count: number) =>
  validName.map((raw) => {
    const core = [...trimmed(raw)];
    const filler = Array.from({ length: count }, (_, i) => core[i % core.length]!);
    filler[0] = 'a';
    filler[count - 1] = 'z';
    return filler.join('');
  });

/** A name that breaks the length rule, the NUL rule, or both. */
export const brokenName: fc.Arbitrary<Broken<string>> = fc.oneof(
  fc.constant(broken('empty', '', [NAME_RULE])),
  fc.constant(broken('missing', '', [NAME_RULE], true)),
  padding.filter((p) => p !== '').map((p) => broken('blank', p, [NAME_RULE])),
  fc
    .tuple(padding, fc.integer({ min: 201, max: 260 }).chain(solid), padding)
    .map(([a, core, b]) => broken('too long', a + core + b, [NAME_RULE])),
  fc
    .tuple(padding, validName, fc.nat(), padding)
    .filter(([, raw]) => codePoints(trimmed(raw)) <= 199)
    .map(([a, raw, at, b]) => broken('NUL', a + withNul(trimmed(raw), at) + b, [NUL_RULE])),
  fc
    .tuple(fc.integer({ min: 201, max: 230 }).chain(solid), fc.nat())
    .map(([core, at]) => broken('too long with NUL', withNul(core, at), [NAME_RULE, NUL_RULE])),
);

/** Characters no language tag holds (none of them White_Space, so trimming keeps them). */
const NOT_IN_TAGS = ['_', '!', '.', '@', 'é', 'ß', '\u200b', '/', '+', '\u{1f600}', '\u212a'];

/** Tags of letters, digits and hyphens that RFC 5646's grammar still refuses. */
const MALFORMED_SHAPES = [
  'a',
  'x',
  'i',
  'en-a',
  'en-x',
  'en-US-US',
  '1234',
  'e1',
  'en-1',
  '12-US',
  'i-foo',
  'abcdefghi',
  'en--us',
  '-en',
  'en-',
  '-',
];

/**
 * A language tag of at most 10 code points (after trimming) that is not well-formed: a character
 * outside letters, digits and '-', or one of the shapes above.
 */
const shortMalformed: fc.Arbitrary<string> = fc
  .oneof(
    fc.tuple(validLanguageTag, fc.nat(), fc.constantFrom(...NOT_IN_TAGS)).map(([tag, at, c]) => {
      const points = [...tag];
      points.splice(at % (points.length + 1), 0, c);
      return points.join('');
    }),
    fc.constantFrom(...MALFORMED_SHAPES),
    fc.constantFrom(...MALFORMED_SHAPES).map((s) => s.toUpperCase()),
  )
  .filter((tag) => codePoints(tag) <= 10);

/** A well-formed tag longer than 10 characters (no character outside letters, digits and '-'). */
const longWellFormed: fc.Arbitrary<string> = fc
  .tuple(
    validLanguageTag,
    fc.array(fc.constantFrom('abcdefgh', 'latn', 'ch', '1996', 'buddhist', 'a'), {
      minLength: 1,
      maxLength: 3,
    }),
  )
  .map(([tag, more]) => {
    // The tag's language subtag and a private-use part, which takes any subtags of up to 8
    // letters and digits: well-formed whatever the tag was (grandfathered ones included).
    const language = tag.split('-')[0]!;
    return `${language.length >= 2 ? language : 'en'}-x-${more.join('-')}`;
  })
  .filter((tag) => tag.length > 10);

/** Well-formed tags over 10 characters that Intl shortens (grandfathered and deprecated forms). */
const SHORTENED_BY_INTL = ['cel-gaulish', 'hye-arevela', 'und-hepburn-heploc'];

/**
 * preferred_language broken: malformed, too long (as sent, whatever its canonical form:
 * `cel-gaulish` is too long although it canonicalises to `xtg`), with U+0000.
 */
export const brokenLanguage: fc.Arbitrary<Broken<string>> = fc.oneof(
  fc
    .tuple(padding, shortMalformed, padding)
    .map(([a, tag, b]) => broken('malformed', a + tag + b, [TAG_RULE])),
  fc
    .tuple(padding, fc.oneof(longWellFormed, fc.constantFrom(...SHORTENED_BY_INTL)), padding)
    .map(([a, tag, b]) => broken('too long', a + tag + b, [LANGUAGE_LENGTH_RULE])),
  fc
    .tuple(
      fc.string({ unit: 'grapheme-ascii', minLength: 11, maxLength: 30 }),
      fc.constantFrom(...NOT_IN_TAGS),
    )
    .map(([s, c]) => `x${s.replace(/\s/g, '-')}${c}`)
    .map((tag) => broken('too long and malformed', tag, [LANGUAGE_LENGTH_RULE, TAG_RULE])),
  fc
    .tuple(validLanguageTag, fc.nat())
    .map(([tag, at]) => withNul(tag, at))
    .map((tag) =>
      broken(
        'NUL',
        tag,
        codePoints(tag) > 10 ? [LANGUAGE_LENGTH_RULE, NUL_RULE, TAG_RULE] : [NUL_RULE, TAG_RULE],
      ),
    ),
);

/** A gender number of int32 that is none of the four values (every transport can send it). */
export const brokenGender: fc.Arbitrary<Broken<number>> = fc
  .oneof(fc.integer({ min: 4, max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 31), max: -1 }))
  .map((n) => broken('undefined enum number', n, [GENDER_RULE]));

/** A set of fields to break (at least one) and their breaks. */
export interface Breaks {
  names: Partial<Record<'firstName' | 'lastName' | 'nickName' | 'displayName', Broken<string>>>;
  language?: Broken<string>;
  gender?: Broken<number>;
}

export const breaks: fc.Arbitrary<Breaks> = fc
  .record(
    {
      firstName: brokenName,
      lastName: brokenName,
      nickName: brokenName,
      displayName: brokenName,
      language: brokenLanguage,
      gender: brokenGender,
    },
    { requiredKeys: [] },
  )
  .filter((b) => Object.keys(b).length > 0)
  .map(({ language, gender, ...names }) => ({
    names,
    ...(language === undefined ? {} : { language }),
    ...(gender === undefined ? {} : { gender }),
  }));

/** The violations of `b`, in field order. */
export function violationsOf(b: Breaks): { field: string; description: string }[] {
  const out: { field: string; description: string }[] = [];
  for (const f of FIELDS) {
    const rules =
      f.key === 'preferredLanguage'
        ? b.language?.rules
        : f.key === 'gender'
          ? b.gender?.rules
          : b.names[f.key]?.rules;
    for (const description of rules ?? []) out.push({ field: f.proto, description });
  }
  return out;
}

/** The Go name of the first field with a violation, for the Status message. */
export function goNameOf(proto: string): string {
  return FIELDS.find((f) => f.proto === proto)!.go;
}

// ---------------------------------------------------------------------------------------------
// JSON-level breaks (REST only): a value of the wrong JSON type, a field set twice
// ---------------------------------------------------------------------------------------------

/** JSON texts that are not strings (null is not among them: it means "the default"). */
const notAString = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.constantFrom('true', 'false', '{}', '[]', '["Ada"]', '{"value":"Ada"}', '0', '-0', '1e5'),
);

/**
 * JSON gender values that are none of the enum: unknown names (and names in other letter case),
 * numbers as strings, fractions, numbers beyond int32 (2^31 included), other types.
 */
const notAGender = fc.oneof(
  fc.constantFrom(
    '"GENDER_ROBOT"',
    '"gender_female"',
    '"FEMALE"',
    '""',
    '" GENDER_MALE"',
    '"1"',
    '"0"',
    '1.5',
    '-0.5',
    '0.1',
    'true',
    '{}',
    '[]',
    '[1]',
    '1e10',
    '-1e300',
    String(2 ** 31 + 1),
    String(-(2 ** 31) - 1),
    String(2 ** 31),
  ),
  fc
    .string({ maxLength: 12 })
    .filter((s) => !/^GENDER_(UNSPECIFIED|FEMALE|MALE|DIVERSE)$/.test(s))
    .map((s) => JSON.stringify(s)),
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .filter((d) => !Number.isInteger(d))
    .map(String),
);

export interface JsonBreak {
  field: FieldKey;
  kind: 'wrong type' | 'set twice' | 'same key twice';
  /** The JSON value text of a wrong type, or the second value of a field set twice. */
  text: string;
}

/** JSON-level breaks of a subset of the fields (at least one). */
export const jsonBreaks: fc.Arbitrary<JsonBreak[]> = fc
  .record(
    Object.fromEntries(
      FIELDS.map((f) => [
        f.key,
        fc.oneof(
          (f.key === 'gender' ? notAGender : notAString).map((text): JsonBreak => ({
            field: f.key,
            kind: 'wrong type',
            text,
          })),
          // Under both of its names ("gender" has one name: that is the same key twice).
          fc
            .constantFrom('"x"', '"Ada"', '2', 'null')
            .map((text): JsonBreak => ({ field: f.key, kind: 'set twice', text })),
          // Under one name twice.
          fc
            .constantFrom('"x"', '"Ada"', '2')
            .map((text): JsonBreak => ({ field: f.key, kind: 'same key twice', text })),
        ),
      ]),
    ) as Record<FieldKey, fc.Arbitrary<JsonBreak>>,
    { requiredKeys: [] },
  )
  .map((r) => FIELDS.flatMap((f) => (r[f.key] === undefined ? [] : [r[f.key]!])))
  .filter((list) => list.length > 0);

export function jsonViolationsOf(list: JsonBreak[]): { field: string; description: string }[] {
  return FIELDS.flatMap((f) => {
    const b = list.find((x) => x.field === f.key);
    if (b === undefined) return [];
    const description =
      b.kind !== 'wrong type'
        ? SET_TWICE_RULE
        : f.key === 'gender'
          ? GENDER_RULE
          : STRING_TYPE_RULE;
    return [{ field: f.proto, description }];
  });
}
