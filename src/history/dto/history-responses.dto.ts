import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TIMESTAMP, UINT64_PATTERN } from '../../common/openapi/object-details.dto.js';
import { ApiResponseMessage } from '../../common/openapi/proto-message.js';
import { ListMyUserChangesResponseSchema } from '../../gen/zitadel/auth_pb.js';
import { ChangeSchema } from '../../gen/zitadel/change_pb.js';
import { LocalizedMessageSchema } from '../../gen/zitadel/message_pb.js';
import { EVENT_TYPES } from '../history.model.js';
import { MAX_LIMIT } from './list-my-user-changes.dto.js';

// The REST answer of ListMyUserChanges as OpenAPI schemas: the protobuf JSON mapping of the
// messages history.mapper.ts builds (fields holding their zero value are left out).

/** zitadel.v1.LocalizedMessage. */
@ApiResponseMessage(LocalizedMessageSchema)
export class LocalizedMessageDto {
  @ApiProperty({
    enum: Object.keys(EVENT_TYPES),
    example: 'user.human.profile.changed',
    description: "the event's type: `added` for the profile's first update, `changed` after",
  })
  key!: string;

  @ApiProperty({ enum: Object.values(EVENT_TYPES), example: 'Profile changed' })
  localizedMessage!: string;
}

const EMPTY_EDITOR_FIELD = 'not kept by this service: always empty, so left out';

/** zitadel.change.v1.Change. */
@ApiResponseMessage(ChangeSchema, 'one change of the profile (one event)')
export class ChangeDto {
  @ApiProperty({ ...TIMESTAMP, description: "the event's time" })
  changeDate!: string;

  @ApiProperty({ type: LocalizedMessageDto })
  eventType!: LocalizedMessageDto;

  @ApiProperty({
    type: 'string',
    format: 'uint64',
    pattern: UINT64_PATTERN,
    example: '2',
    description: "the event's sequence (the profile's sequence after it)",
  })
  sequence!: string;

  @ApiProperty({ example: 'alice', minLength: 1, description: 'the subject that made the change' })
  editorId!: string;

  @ApiPropertyOptional({ description: EMPTY_EDITOR_FIELD })
  editorDisplayName?: string;

  @ApiProperty({
    example: 'acme',
    minLength: 1,
    description: "the profile's organisation",
  })
  resourceOwnerId!: string;

  @ApiPropertyOptional({ description: EMPTY_EDITOR_FIELD })
  editorPreferredLoginName?: string;

  @ApiPropertyOptional({ description: EMPTY_EDITOR_FIELD })
  editorAvatarUrl?: string;
}

@ApiResponseMessage(ListMyUserChangesResponseSchema)
export class ListMyUserChangesResponseDto {
  @ApiPropertyOptional({
    type: [ChangeDto],
    maxItems: MAX_LIMIT,
    description: 'the page of changes, in the order asked for; absent when there are none',
  })
  result?: ChangeDto[];
}
