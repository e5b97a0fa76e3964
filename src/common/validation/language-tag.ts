/**
 * Well-formedness and canonical form of BCP 47 language tags, as RFC 5646 defines them:
 * https://www.rfc-editor.org/rfc/rfc5646#section-2.1
 *
 * `Intl` is not enough on its own: it implements Unicode BCP 47 *locale identifiers* (UTS #35),
 * a subset that rejects tags RFC 5646 calls well-formed (private use only `x-abc`, irregular
 * grandfathered `i-klingon`, extlang `zh-cmn`, 4-letter languages `abcd`, …).
 */

/** The grammar's pieces, as regular-expression sources (ASCII only; matched case-insensitively). */
const ALPHANUM = '[a-z0-9]';
/** singleton = DIGIT / %x41-57 / %x59-5A / %x61-77 / %x79-7A  (any alphanumeric but "x") */
const SINGLETON = '[0-9a-wyz]';

/**
 * language = 2*3ALPHA ["-" extlang]  ; shortest ISO 639 code, optionally extended
 *          / 4ALPHA                  ; reserved for future use
 *          / 5*8ALPHA                ; registered language subtag
 * extlang  = 3ALPHA *2("-" 3ALPHA)   ; selected ISO 639 codes, at most three
 */
const LANGUAGE = '(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})';
/** script = 4ALPHA  ; ISO 15924 code */
const SCRIPT = '[a-z]{4}';
/** region = 2ALPHA / 3DIGIT  ; ISO 3166-1 code / UN M.49 code */
const REGION = '(?:[a-z]{2}|[0-9]{3})';
/** variant = 5*8alphanum / (DIGIT 3alphanum)  ; registered variants */
const VARIANT = `(?:${ALPHANUM}{5,8}|[0-9]${ALPHANUM}{3})`;
/** extension = singleton 1*("-" (2*8alphanum)) */
const EXTENSION = `${SINGLETON}(?:-${ALPHANUM}{2,8})+`;
/** privateuse = "x" 1*("-" (1*8alphanum)) */
const PRIVATE_USE = `x(?:-${ALPHANUM}{1,8})+`;

/**
 * langtag = language ["-" script] ["-" region] *("-" variant) *("-" extension) ["-" privateuse]
 */
const LANGTAG =
  `${LANGUAGE}(?:-${SCRIPT})?(?:-${REGION})?(?:-${VARIANT})*` +
  `(?:-${EXTENSION})*(?:-${PRIVATE_USE})?`;

/**
 * grandfathered = irregular / regular. Irregular tags do not match langtag (or match it only by
 * accident); regular ones do, and are listed for completeness.
 */
const IRREGULAR = [
  'en-gb-oed',
  'i-ami',
  'i-bnn',
  'i-default',
  'i-enochian',
  'i-hak',
  'i-klingon',
  'i-lux',
  'i-mingo',
  'i-navajo',
  'i-pwn',
  'i-tao',
  'i-tay',
  'i-tsu',
  'sgn-be-fr',
  'sgn-be-nl',
  'sgn-ch-de',
];
const REGULAR = [
  'art-lojban',
  'cel-gaulish',
  'no-bok',
  'no-nyn',
  'zh-guoyu',
  'zh-hakka',
  'zh-min',
  'zh-min-nan',
  'zh-xiang',
];
const GRANDFATHERED = `(?:${[...IRREGULAR, ...REGULAR].join('|')})`;

/**
 * Language-Tag = langtag / privateuse / grandfathered. "All subtags are case-insensitive"
 * (section 2.1.1), hence the `i` flag. No `u` flag on purpose: with it, `i` would also fold
 * non-ASCII characters such as U+212A KELVIN SIGN onto ASCII letters, and those are no part of a
 * tag. The ABNF's alternatives may overlap; the regular expression backtracks through them all.
 */
const LANGUAGE_TAG = new RegExp(`^(?:${LANGTAG}|${PRIVATE_USE}|${GRANDFATHERED})$`, 'i');

/** Whether `tag` is a well-formed BCP 47 language tag (RFC 5646 section 2.1, case-insensitive). */
export function isWellFormedLanguageTag(tag: string): boolean {
  return LANGUAGE_TAG.test(tag);
}

/**
 * The RFC 5646 section 2.1.1 case conventions: the first subtag and every subtag after a
 * singleton (`x-` and `i-` included) lower case; elsewhere two-letter subtags (regions) upper
 * case, four-letter subtags (scripts) title case, all others lower case.
 * `EN-gb-OED` → `en-GB-oed`, `SGN-be-fr` → `sgn-BE-FR`, `I-KLINGON` → `i-klingon`.
 */
export function formatLanguageTagCase(tag: string): string {
  let afterSingleton = false;
  return tag
    .toLowerCase()
    .split('-')
    .map((subtag, index) => {
      if (subtag.length === 1) afterSingleton = true;
      if (index === 0 || afterSingleton) return subtag;
      if (subtag.length === 2) return subtag.toUpperCase();
      if (subtag.length === 4) return subtag.charAt(0).toUpperCase() + subtag.slice(1);
      return subtag;
    })
    .join('-');
}

/**
 * The canonical form of a well-formed tag, or undefined for a malformed one. Where `Intl`
 * accepts the tag, its canonicalisation is used (`en-us` → `en-US`, `iw` → `he`,
 * `art-lojban` → `jbo`; https://tc39.es/ecma402/#sec-canonicalizelocalelist); otherwise
 * (private use, irregular grandfathered, extlang forms, …) the tag keeps its subtags with
 * RFC 5646's case conventions.
 */
export function canonicalLanguageTag(tag: string): string | undefined {
  if (!isWellFormedLanguageTag(tag)) return undefined;
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    if (canonical !== undefined) return canonical;
  } catch {
    // Well-formed by RFC 5646 but no Unicode locale identifier: fall through.
  }
  return formatLanguageTagCase(tag);
}
