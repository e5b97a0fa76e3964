import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Allow, IsOptional, Max, ValidateNested } from 'class-validator';
import { ApiPropertyOneOf, ApiRequestMessage } from '../../common/openapi/proto-message.js';
import { ProtoMessage } from '../../common/proto/proto-message.decorator.js';
import { ListMyUserChangesRequestSchema } from '../../gen/zitadel/auth_pb.js';
import { ChangeQuerySchema } from '../../gen/zitadel/change_pb.js';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** zitadel.change.v1.ChangeQuery: where the page starts, its size and its direction. */
@ApiRequestMessage(ChangeQuerySchema, 'where the page starts, its size and its direction')
@ProtoMessage(ChangeQuerySchema)
export class ChangeQueryDto {
  @ApiPropertyOneOf({
    oneOf: [
      { type: 'string', format: 'uint64', pattern: '^[0-9]{1,20}$' },
      { type: 'integer', minimum: 0 },
    ],
    example: '0',
    description:
      'a uint64, as a JSON string or number: newest first (asc false), the events below this sequence, 0 for the newest; oldest first (asc true), the events above it. Give the last sequence of a page for the next one',
  })
  @Allow()
  sequence!: bigint;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: MAX_LIMIT,
    example: 20,
    description: `at most this many events; 0 (or left out) means ${DEFAULT_LIMIT}, more than ${MAX_LIMIT} is INVALID_ARGUMENT`,
  })
  @Max(MAX_LIMIT, { message: `value must be less than or equal to ${MAX_LIMIT}` })
  limit!: number;

  @ApiPropertyOptional({
    example: false,
    description: 'oldest first; false (default): newest first',
  })
  @Allow()
  asc!: boolean;
}

/** zitadel.auth.v1.ListMyUserChangesRequest: the caller's own profile events, a page of them. */
@ApiRequestMessage(
  ListMyUserChangesRequestSchema,
  'the page of changes to list; an empty body (or `{}`) is the default query: the newest 100',
)
@ProtoMessage(ListMyUserChangesRequestSchema)
export class ListMyUserChangesDto {
  @ApiPropertyOptional({ type: ChangeQueryDto, description: 'absent: the default query' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ChangeQueryDto)
  query?: ChangeQueryDto;
}
