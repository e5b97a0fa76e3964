import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiResponse,
  type ApiResponseSchemaHost,
  getSchemaPath,
} from '@nestjs/swagger';
import { AuthHeaderMissingError, TokenInvalidError } from '../../auth/auth.errors.js';
import {
  BadRequestSchema,
  BadRequest_FieldViolationSchema,
} from '../../gen/google/rpc/error_details_pb.js';
import { StatusSchema } from '../../gen/google/rpc/status_pb.js';
import { ErrorDetailSchema } from '../../gen/zitadel/message_pb.js';
import { type AppError, RateLimitedError, UnavailableError } from '../errors/app-error.js';
import { GrpcCode, httpStatusOf } from '../errors/grpc-code.js';
import { statusOf, statusToJson } from '../errors/status.js';
import { InternalError } from '../errors/translate-error.js';
import { ApiResponseMessage } from './proto-message.js';

// OpenAPI schemas of the error body every REST error carries: a google.rpc.Status in the
// protobuf JSON mapping, whose `details` are `Any`s with their `@type`.

const ERROR_DETAIL_TYPE = `type.googleapis.com/${ErrorDetailSchema.typeName}`;
const BAD_REQUEST_TYPE = `type.googleapis.com/${BadRequestSchema.typeName}`;

@ApiResponseMessage(ErrorDetailSchema, 'the ZITADEL error id of the error, in an Any')
export class ErrorDetailDto {
  @ApiProperty({ enum: [ERROR_DETAIL_TYPE], example: ERROR_DETAIL_TYPE })
  '@type'!: string;

  @ApiProperty({ example: 'COMMAND-2M0fs', description: 'ZITADEL error id' })
  id!: string;

  @ApiProperty({ example: 'Profile not changed' })
  message!: string;
}

@ApiResponseMessage(BadRequest_FieldViolationSchema)
export class FieldViolationDto {
  @ApiProperty({
    example: 'first_name',
    description: 'the proto name of the field (`query.limit` inside an embedded message)',
  })
  field!: string;

  @ApiProperty({ example: 'value length must be between 1 and 200 runes, inclusive' })
  description!: string;
}

@ApiResponseMessage(BadRequestSchema, 'the broken input rules of an INVALID_ARGUMENT, in an Any')
export class BadRequestDto {
  @ApiProperty({ enum: [BAD_REQUEST_TYPE], example: BAD_REQUEST_TYPE })
  '@type'!: string;

  @ApiProperty({
    type: [FieldViolationDto],
    minItems: 1,
    description: 'one entry per broken rule, in the order of the fields',
  })
  fieldViolations!: FieldViolationDto[];
}

@ApiResponseMessage(StatusSchema, 'the body of every REST error (contract section 5)')
export class StatusDto {
  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: 16,
    example: 16,
    description: 'gRPC status code; the HTTP status follows it as grpc-gateway maps it',
  })
  code!: number;

  @ApiProperty({
    example: 'auth header missing',
    description:
      '`<message> (<id>)` when there is an id, e.g. `Profile not changed (COMMAND-2M0fs)`',
  })
  message!: string;

  @ApiProperty({
    type: 'array',
    items: {
      oneOf: [{ $ref: getSchemaPath(ErrorDetailDto) }, { $ref: getSchemaPath(BadRequestDto) }],
    },
    example: [],
    description:
      'always present, possibly empty: a zitadel.v1.ErrorDetail where there is an id, a google.rpc.BadRequest for broken input rules',
  })
  details!: (ErrorDetailDto | BadRequestDto)[];
}

/** One example of an error answer: the error as the application throws it. */
export interface ErrorExample {
  summary: string;
  error: AppError;
}

/** An operation's own answer for one HTTP status: its examples, and what it means there. */
export interface ErrorResponse {
  examples: Record<string, ErrorExample>;
  /** By default: what each gRPC code of the examples means, in general. */
  description?: string;
}

/** What each gRPC code that an operation documents means, in general. */
const CODES = {
  [GrpcCode.INVALID_ARGUMENT]:
    'INVALID_ARGUMENT (3): the body is not JSON, not an object, has a field of the wrong type, or breaks a rule (a google.rpc.BadRequest lists each broken rule)',
  [GrpcCode.FAILED_PRECONDITION]:
    'FAILED_PRECONDITION (9): the request does not fit the stored state (a zitadel.v1.ErrorDetail has the id)',
  [GrpcCode.UNAUTHENTICATED]:
    'UNAUTHENTICATED (16): no bearer token, or one that is not valid (the reason is logged, never sent)',
  [GrpcCode.NOT_FOUND]: 'NOT_FOUND (5)',
  [GrpcCode.UNAVAILABLE]:
    "UNAVAILABLE (14): the database, or the identity provider's keys or introspection, cannot be reached, or the service is shutting down",
  [GrpcCode.INTERNAL]: 'INTERNAL (13): an unexpected failure, with a generic message',
  [GrpcCode.RESOURCE_EXHAUSTED]:
    'RESOURCE_EXHAUSTED (8): more than RATE_LIMIT_PER_MINUTE calls of this subject (or, without a valid token, of this address); the Retry-After header says when to try again',
} satisfies Partial<Record<GrpcCode, string>>;

export type ErrorStatus = 400 | 401 | 404 | 429 | 503;

const example = (summary: string, error: AppError): ErrorExample => ({ summary, error });

/** What every guarded operation, and every operation that reads the database, can answer. */
const COMMON: Partial<Record<ErrorStatus | 'default', ErrorResponse>> = {
  401: {
    examples: {
      authHeaderMissing: example('no Authorization header', new AuthHeaderMissingError()),
      tokenInvalid: example('anything wrong with the token', new TokenInvalidError()),
    },
  },
  429: {
    examples: { rateLimited: example('too many calls', new RateLimitedError(42)) },
  },
  503: {
    examples: { unavailable: example('a dependency cannot be reached', new UnavailableError()) },
  },
  default: {
    examples: { internal: example('an unexpected failure', new InternalError(undefined)) },
    description:
      'any other error, each a google.rpc.Status with the HTTP status of its code; chiefly INTERNAL (13) as 500: an unexpected failure, with a generic message',
  },
};

/** The Status body of an error, as AllExceptionsFilter writes it. */
export function statusJsonOf(error: AppError): unknown {
  return statusToJson(statusOf(error));
}

/**
 * The error answers of an operation, each a google.rpc.Status (see docs/errors.md) whose `code`
 * is one of those its examples show, with the examples made of the errors the application throws
 * (so they are the bodies it really sends). 401 and 503 have common examples; `own` gives an
 * operation's own (its error ids, its fields) and must cover 400 and 404. `default` documents
 * INTERNAL (500) and any other error.
 */
export function ApiErrorResponses(
  statuses: readonly ErrorStatus[],
  own: Partial<Record<ErrorStatus, ErrorResponse>> = {},
): MethodDecorator {
  const responses = [...statuses, 'default' as const].map((status) => {
    const response = (status === 'default' ? undefined : own[status]) ?? COMMON[status];
    if (response === undefined) throw new Error(`ApiErrorResponses: no example for ${status}`);
    const examples = Object.values(response.examples);
    const codes = [...new Set(examples.map(({ error }) => error.code))];
    for (const { error } of examples) {
      const http = error.httpStatus ?? httpStatusOf(error.code);
      if (status !== 'default' && http !== status) {
        throw new Error(`ApiErrorResponses: an example of ${status} is answered with ${http}`);
      }
    }
    const described = codes.map((code) => CODES[code as keyof typeof CODES] ?? `code ${code}`);
    const options: ApiResponseSchemaHost & { examples: Record<string, unknown> } = {
      status,
      description: response.description ?? described.join('; '),
      schema:
        status === 'default'
          ? { $ref: getSchemaPath(StatusDto) }
          : {
              allOf: [
                { $ref: getSchemaPath(StatusDto) },
                { type: 'object', properties: { code: { type: 'integer', enum: codes } } },
              ],
            },
      examples: Object.fromEntries(
        Object.entries(response.examples).map(([key, { summary, error }]) => [
          key,
          { summary, value: statusJsonOf(error) },
        ]),
      ),
    };
    return ApiResponse(options);
  });
  return applyDecorators(ApiExtraModels(StatusDto, ErrorDetailDto, BadRequestDto), ...responses);
}
