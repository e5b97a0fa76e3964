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
 * The class-transformer group of the steps that run once the rules have held (see
 * createValidationPipe): canonical forms, whose length may differ from what was sent, while the
 * rules judge what was sent.
 */
export const CANONICAL_FORMS = 'canonical-forms';

/**
 * class-transformer step, after validation (group CANONICAL_FORMS): a well-formed BCP 47 tag in
 * canonical form (`en-us` → `en-US`, see canonicalLanguageTag). The rules (`@RuneLength`,
 * `@IsLanguageTag`) see the tag as sent, trimmed: `sh-RS-1901` (10 characters) is allowed and
 * stored as `sr-Latn-RS-1901`, `cel-gaulish` (11) is refused although its canonical form is `xtg`.
 */
export function ToCanonicalLanguageTag(): PropertyDecorator {
  return Transform(
    ({ value }: { value: unknown }) =>
      typeof value === 'string' ? (canonicalLanguageTag(value) ?? value) : value,
    { groups: [CANONICAL_FORMS] },
  );
}
