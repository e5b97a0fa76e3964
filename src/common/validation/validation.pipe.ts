import { ValidationPipe } from '@nestjs/common';
import { type ValidationError as ClassValidatorError } from 'class-validator';
import { type FieldViolation, InvalidArgumentError, ValidationError } from '../errors/app-error.js';
import { protoFieldOf, protoMessageOf } from '../proto/proto-message.decorator.js';

/**
 * The one ValidationPipe of the application (registered as APP_PIPE, so the gRPC side of the
 * hybrid app has it too): every `@Body()` / `@Payload()` whose type is a DTO class is turned into
 * an instance by class-transformer (trimming, canonical forms), checked by its class-validator
 * decorators, and refused with the contract's INVALID_ARGUMENT when a rule is broken.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    // Properties without a rule (a message's $typeName, say) do not reach the handler.
    whitelist: true,
    // The exception factory reads the DTO class of each error from its target.
    validationError: { target: true, value: false },
    exceptionFactory: (errors) => toValidationError(errors),
  });
}

/**
 * class-validator's errors as one INVALID_ARGUMENT: a google.rpc.BadRequest field violation per
 * broken rule (fields by proto name, in the order of the DTO's properties and of each property's
 * decorators) and protoc-gen-validate's message naming the first.
 */
export function toValidationError(errors: readonly ClassValidatorError[]): InvalidArgumentError {
  const violations: FieldViolation[] = [];
  let messageName: string | undefined;
  const collect = (error: ClassValidatorError, path: string): void => {
    const dto = error.target?.constructor;
    const schema = dto === undefined ? undefined : protoMessageOf(dto);
    messageName ??= schema?.name ?? dto?.name;
    const name = schema === undefined ? undefined : protoFieldOf(schema, error.property)?.name;
    const field = `${path}${name ?? error.property}`;
    // Decorators apply bottom-up, so class-validator lists a property's constraints last-declared
    // first; reversed, they follow the DTO's reading order (length before NUL before the tag).
    for (const description of Object.values(error.constraints ?? {}).reverse()) {
      violations.push({ field, description });
    }
    for (const child of error.children ?? []) collect(child, `${field}.`);
  };
  for (const error of errors) collect(error, '');
  const [first, ...rest] = violations;
  if (first === undefined) return new InvalidArgumentError('invalid request');
  return new ValidationError(messageName ?? 'request', [first, ...rest]);
}
