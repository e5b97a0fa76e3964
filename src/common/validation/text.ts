/** Unicode White_Space at either end (Go's strings.TrimSpace trims the same set). */
const OUTER_WHITE_SPACE = /^\p{White_Space}+|\p{White_Space}+$/gu;

/** The value without leading and trailing Unicode white space. */
export function trimWhiteSpace(value: string): string {
  return value.replace(OUTER_WHITE_SPACE, '');
}

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
