import { NotContains, registerDecorator, type ValidationOptions } from 'class-validator';
import { isWellFormedLanguageTag } from './language-tag.js';
import { runeLength } from './text.js';

// Rules that class-validator has no decorator for. Its own `@Length` counts UTF-16 units minus
// surrogate pairs and variation selectors, not code points, and `@IsLocale` is validator.js's
// loose locale pattern, not RFC 5646.

/**
 * A string of `min` to `max` Unicode code points ("runes"), with protoc-gen-validate's message for
 * `min_len`/`max_len` (https://github.com/bufbuild/protoc-gen-validate#strings).
 */
export function RuneLength(
  min: number,
  max: number,
  options?: ValidationOptions,
): PropertyDecorator {
  const message =
    min === 0
      ? `value length must be at most ${max} runes`
      : `value length must be between ${min} and ${max} runes, inclusive`;
  return (target, propertyName) =>
    registerDecorator({
      name: 'runeLength',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [min, max],
      options: { message, ...options },
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          const length = runeLength(value);
          return length >= min && length <= max;
        },
      },
    });
}

/** Empty, or a well-formed BCP 47 language tag (RFC 5646 section 2.1). */
export function IsLanguageTag(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isLanguageTag',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: 'value must be a well-formed BCP 47 language tag', ...options },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && (value === '' || isWellFormedLanguageTag(value)),
      },
    });
}

/**
 * No U+0000, which PostgreSQL cannot store in text columns: class-validator's `@NotContains`,
 * with the message every feature answers for it.
 */
export function NoNul(): PropertyDecorator {
  return NotContains('\u0000', { message: 'value must not contain the NUL character' });
}
