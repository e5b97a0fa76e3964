import { Transform } from 'class-transformer';
import { canonicalLanguageTag } from './language-tag.js';
import { trimWhiteSpace } from './text.js';

/**
 * class-transformer step: strings lose their leading and trailing Unicode white space, so that
 * the rules see (and the service stores) the trimmed value. Other values pass unchanged for the
 * validators to refuse.
 */
export function Trim(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? trimWhiteSpace(value) : value,
  );
}

/**
 * class-transformer step: a string is trimmed and, when it is a well-formed BCP 47 tag, put in
 * canonical form (`en-us` → `en-US`, see canonicalLanguageTag). A malformed tag stays as sent
 * (trimmed), for `@IsLanguageTag()` to refuse.
 */
export function ToCanonicalLanguageTag(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    const trimmed = trimWhiteSpace(value);
    return canonicalLanguageTag(trimmed) ?? trimmed;
  });
}
