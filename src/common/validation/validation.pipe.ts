import { type ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { instanceToInstance } from 'class-transformer';
import { type ValidationError as ClassValidatorError } from 'class-validator';
import {
  type FieldViolation,
  goFieldName,
  InvalidArgumentError,
  ValidationError,
} from '../errors/app-error.js';
import { protoFieldOf, protoMessageOf } from '../proto/proto-message.decorator.js';
import { CANONICAL_FORMS } from './transforms.js';

/**
 * The one ValidationPipe of the application (registered as APP_PIPE, so the gRPC side of the
 * hybrid app has it too): every `@Body()` / `@Payload()` whose type is a DTO class is turned into
 * an instance by class-transformer (trimming, canonical forms), checked by its class-validator
 * decorators, and refused with the contract's INVALID_ARGUMENT when a rule is broken.
 */
export function createValidationPipe(): ValidationPipe {
  return new CanonicalisingValidationPipe({
    transform: true,
    // Properties without a rule (a message's $typeName, say) do not reach the handler; fields
    // that have no rule carry `@Allow()`.
    whitelist: true,
    // The exception factory reads the DTO class of each error from its target.
    validationError: { target: true, value: false },
    exceptionFactory: (errors) => toValidationError(errors),
  });
}

/**
 * Nest's ValidationPipe, and then the DTO's steps of group CANONICAL_FORMS (class-transformer):
 * the rules judge the values as sent (trimmed), what is stored is their canonical form.
 */
class CanonicalisingValidationPipe extends ValidationPipe {
  // What the pipe passes on untouched (the caller of @CurrentCaller(), every param of a GET) is
  // returned as it is, without the promise of ValidationPipe's async transform.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- ValidationPipe's signature
  override transform(value: unknown, metadata: ArgumentMetadata): any {
    if (this.expectedType === undefined && this.passesThrough(metadata)) {
      return this.isTransformEnabled ? this.transformPrimitive(value, metadata) : value;
    }
    return this.validateAndCanonicalise(value, metadata);
  }

  /** ValidationPipe.transform's own test for a value it does not validate. */
  private passesThrough(metadata: ArgumentMetadata): boolean {
    return !metadata.metatype || !this.toValidate(metadata);
  }

  private async validateAndCanonicalise(
    value: unknown,
    metadata: ArgumentMetadata,
  ): Promise<unknown> {
    const valid: unknown = await super.transform(value, metadata);
    const isDto =
      typeof valid === 'object' &&
      valid !== null &&
      protoMessageOf(valid.constructor) !== undefined;
    return isDto ? instanceToInstance(valid, { groups: [CANONICAL_FORMS] }) : valid;
  }
}

/** The names protoc-gen-validate would use for the field of an error. */
function namesOf(error: ClassValidatorError): { message: string; field: string } {
  const dto = error.target?.constructor;
  const schema = dto === undefined ? undefined : protoMessageOf(dto);
  const field = schema === undefined ? undefined : protoFieldOf(schema, error.property)?.name;
  return { message: schema?.name ?? dto?.name ?? 'request', field: field ?? error.property };
}

/**
 * Decorators apply bottom-up, so class-validator lists a property's constraints last-declared
 * first; reversed, they follow the DTO's reading order (length before NUL before the tag).
 */
function descriptionsOf(error: ClassValidatorError): string[] {
  return Object.values(error.constraints ?? {}).reverse();
}

/**
 * protoc-gen-validate's message for the first broken rule, nested messages included:
 * `invalid ListMyUserChangesRequest.Query: embedded message failed validation | caused by:
 * invalid ChangeQuery.Limit: value must be less than or equal to 1000`.
 */
function messageOf(error: ClassValidatorError): string {
  const { message, field } = namesOf(error);
  const prefix = `invalid ${message}.${goFieldName(field)}: `;
  const [description] = descriptionsOf(error);
  if (description !== undefined) return prefix + description;
  const [child] = error.children ?? [];
  return child === undefined
    ? `${prefix}value is invalid`
    : `${prefix}embedded message failed validation | caused by: ${messageOf(child)}`;
}

/**
 * class-validator's errors as one INVALID_ARGUMENT: a google.rpc.BadRequest field violation per
 * broken rule (fields by proto name, `query.limit` inside an embedded message, in the order of
 * the DTO's properties and of each property's decorators) and protoc-gen-validate's message
 * naming the first.
 */
export function toValidationError(errors: readonly ClassValidatorError[]): InvalidArgumentError {
  const violations: FieldViolation[] = [];
  const collect = (error: ClassValidatorError, path: string): void => {
    const field = `${path}${namesOf(error).field}`;
    for (const description of descriptionsOf(error)) violations.push({ field, description });
    for (const child of error.children ?? []) collect(child, `${field}.`);
  };
  for (const error of errors) collect(error, '');
  const [first, ...rest] = violations;
  const [firstError] = errors;
  if (first === undefined || firstError === undefined) {
    return new InvalidArgumentError('invalid request');
  }
  return new ValidationError(namesOf(firstError).message, [first, ...rest], messageOf(firstError));
}
