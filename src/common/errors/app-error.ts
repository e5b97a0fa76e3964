import { GrpcCode } from './grpc-code.js';

/** One broken input rule, reported as a google.rpc.BadRequest field violation. */
export interface FieldViolation {
  /** The field's proto name, e.g. `first_name`. */
  field: string;
  description: string;
}

/**
 * The base of every error the application means to show a caller. It knows nothing of HTTP or
 * gRPC: it carries a gRPC code, the message, and (in ZITADEL's style) an id such as
 * `COMMAND-2M0fs`. The exception filter turns it into a google.rpc.Status for each transport.
 * Anything that is not an AppError reaches a client only as a generic INTERNAL.
 */
export abstract class AppError extends Error {
  abstract readonly code: GrpcCode;
  /** ZITADEL-style error id; when set, the Status message is `<message> (<id>)`. */
  readonly id: string | undefined;
  readonly fieldViolations: readonly FieldViolation[];
  /** REST status when it is not the one the code maps to (see httpStatusOf). */
  readonly httpStatus: number | undefined = undefined;

  protected constructor(
    message: string,
    options: { id?: string; fieldViolations?: readonly FieldViolation[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.id = options.id;
    this.fieldViolations = options.fieldViolations ?? [];
  }
}

export class InvalidArgumentError extends AppError {
  readonly code = GrpcCode.INVALID_ARGUMENT;
  constructor(message: string, fieldViolations: readonly FieldViolation[] = []) {
    super(message, { fieldViolations });
  }
}

/**
 * A request message broke validation rules. Like protoc-gen-validate, the message names the
 * first broken rule (`invalid UpdateMyProfileRequest.FirstName: …`) and the BadRequest detail
 * lists every one.
 */
export class ValidationError extends InvalidArgumentError {
  /**
   * `message` defaults to protoc-gen-validate's for a top-level field; a violation inside an
   * embedded message has its own (see toValidationError).
   */
  constructor(
    messageName: string,
    violations: readonly [FieldViolation, ...FieldViolation[]],
    message?: string,
  ) {
    const [first] = violations;
    super(
      message ?? `invalid ${messageName}.${goFieldName(first.field)}: ${first.description}`,
      violations,
    );
  }
}

export class NotFoundError extends AppError {
  readonly code = GrpcCode.NOT_FOUND;
  constructor(id: string | undefined, message: string) {
    super(message, id === undefined ? {} : { id });
  }
}

export class FailedPreconditionError extends AppError {
  readonly code = GrpcCode.FAILED_PRECONDITION;
  constructor(id: string, message: string) {
    super(message, { id });
  }
}

export class UnauthenticatedError extends AppError {
  readonly code = GrpcCode.UNAUTHENTICATED;
  constructor(id: string | undefined, message: string) {
    super(message, id === undefined ? {} : { id });
  }
}

export class UnimplementedError extends AppError {
  readonly code = GrpcCode.UNIMPLEMENTED;
  constructor(message: string) {
    super(message);
  }
}

/** A known REST path under another method: code 12 like grpc-gateway, but HTTP 405. */
export class MethodNotAllowedError extends UnimplementedError {
  override readonly httpStatus = 405;
  constructor() {
    super('Method Not Allowed');
  }
}

/** The client went away before its request had arrived: CANCELLED (HTTP 499), never logged as ours. */
export class ClientGoneError extends AppError {
  readonly code = GrpcCode.CANCELLED;
  constructor(cause?: unknown) {
    super('the client closed the request', { cause });
  }
}

/** The client's deadline passed before the answer was ready. */
export class DeadlineExceededError extends AppError {
  readonly code = GrpcCode.DEADLINE_EXCEEDED;
  constructor() {
    super('Deadline exceeded');
  }
}

/** A client did not send its request in time: code 4 like a deadline, but HTTP 408. */
export class RequestTimeoutError extends AppError {
  readonly code = GrpcCode.DEADLINE_EXCEEDED;
  override readonly httpStatus = 408;
  constructor() {
    super('the request did not arrive in time');
  }
}

/** Too much: a request over a size limit, or too many calls. */
export class ResourceExhaustedError extends AppError {
  readonly code = GrpcCode.RESOURCE_EXHAUSTED;
  constructor(message: string) {
    super(message);
  }
}

/** Beyond RATE_LIMIT_PER_MINUTE calls: RESOURCE_EXHAUSTED, with when to try again. */
export class RateLimitedError extends AppError {
  readonly code = GrpcCode.RESOURCE_EXHAUSTED;
  constructor(readonly retryAfterSeconds: number) {
    super('too many requests, try again later');
  }
}

/** The database (or another dependency) cannot be reached; the message stays generic. */
export class UnavailableError extends AppError {
  readonly code = GrpcCode.UNAVAILABLE;
  constructor(cause?: unknown) {
    super('service unavailable, try again later', { cause });
  }
}

/** `first_name` → `FirstName`: the Go field name protoc-gen-validate puts in its messages. */
export function goFieldName(protoName: string): string {
  return protoName
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
