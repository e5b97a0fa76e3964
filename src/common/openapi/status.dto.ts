import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';

// OpenAPI schemas of the error body every REST error carries: a google.rpc.Status in the
// protobuf JSON mapping, whose `details` are `Any`s with their `@type`.

export class ErrorDetailDto {
  @ApiProperty({ enum: ['type.googleapis.com/zitadel.v1.ErrorDetail'] })
  '@type'!: string;

  @ApiProperty({ example: 'COMMAND-2M0fs', description: 'ZITADEL error id' })
  id!: string;

  @ApiProperty({ example: 'Profile not changed' })
  message!: string;
}

export class FieldViolationDto {
  @ApiProperty({ example: 'first_name', description: 'the proto name of the field' })
  field!: string;

  @ApiProperty({ example: 'value length must be between 1 and 200 runes, inclusive' })
  description!: string;
}

export class BadRequestDto {
  @ApiProperty({ enum: ['type.googleapis.com/google.rpc.BadRequest'] })
  '@type'!: string;

  @ApiProperty({ type: [FieldViolationDto], description: 'one entry per broken rule' })
  fieldViolations!: FieldViolationDto[];
}

export class StatusDto {
  @ApiProperty({ example: 9, description: 'gRPC status code' })
  code!: number;

  @ApiProperty({
    example: 'Profile not changed (COMMAND-2M0fs)',
    description: '`<message> (<id>)` when there is an id',
  })
  message!: string;

  @ApiPropertyOptional({
    type: 'array',
    items: {
      oneOf: [{ $ref: getSchemaPath(ErrorDetailDto) }, { $ref: getSchemaPath(BadRequestDto) }],
    },
  })
  details!: (ErrorDetailDto | BadRequestDto)[];
}

const ERRORS = {
  400: {
    description: 'INVALID_ARGUMENT (3): the request breaks a rule; or FAILED_PRECONDITION (9)',
    example: {
      code: 3,
      message: 'invalid <Request>.<Field>: <the first broken rule>',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.BadRequest',
          fieldViolations: [{ field: '<field>', description: '<the rule>' }],
        },
      ],
    },
  },
  401: {
    description: 'UNAUTHENTICATED (16): no token, or a token that is not valid',
    example: {
      code: 16,
      message: 'Token is invalid (AUTH-7fs1e)',
      details: [
        {
          '@type': 'type.googleapis.com/zitadel.v1.ErrorDetail',
          id: 'AUTH-7fs1e',
          message: 'Token is invalid',
        },
      ],
    },
  },
  404: {
    description: 'NOT_FOUND (5)',
    example: { code: 5, message: 'Not Found', details: [] },
  },
  429: {
    description: 'RESOURCE_EXHAUSTED (8): too many calls',
    example: { code: 8, message: 'too many requests, try again later', details: [] },
  },
  503: {
    description: 'UNAVAILABLE (14): the database or the identity provider cannot be reached',
    example: { code: 14, message: 'service unavailable, try again later', details: [] },
  },
} satisfies Record<number, { description: string; example: object }>;

export type ErrorStatus = keyof typeof ERRORS;

/**
 * The error answers of an operation, each a google.rpc.Status (see docs/errors.md), with a generic
 * example per status; `examples` gives an operation's own (its error ids, its fields).
 */
export function ApiErrorResponses(
  statuses: readonly ErrorStatus[],
  examples: Partial<Record<ErrorStatus, object>> = {},
): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(ErrorDetailDto, BadRequestDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        type: StatusDto,
        description: ERRORS[status].description,
        example: examples[status] ?? ERRORS[status].example,
      }),
    ),
    ApiResponse({
      status: 'default',
      type: StatusDto,
      description: 'any other error: INTERNAL (13) as 500 with a generic message',
    }),
  );
}
