import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EVENT_TYPES } from '../history.model.js';

// The REST answer of ListMyUserChanges as OpenAPI schemas: the protobuf JSON mapping of the
// messages history.mapper.ts builds (fields holding their zero value are left out).

/** zitadel.v1.LocalizedMessage. */
export class LocalizedMessageDto {
  @ApiProperty({ enum: Object.keys(EVENT_TYPES), example: 'user.human.profile.changed' })
  key!: string;

  @ApiProperty({ enum: Object.values(EVENT_TYPES), example: 'Profile changed' })
  localizedMessage!: string;
}

/** zitadel.change.v1.Change. */
export class ChangeDto {
  @ApiProperty({ type: 'string', format: 'date-time', example: '2026-11-28T16:36:35.020Z' })
  changeDate!: string;

  @ApiProperty({ type: LocalizedMessageDto })
  eventType!: LocalizedMessageDto;

  @ApiProperty({ type: 'string', format: 'uint64', example: '2' })
  sequence!: string;

  @ApiProperty({ example: 'alice', description: 'the subject that made the change' })
  editorId!: string;

  @ApiProperty({ example: 'acme', description: "the profile's organisation" })
  resourceOwnerId!: string;
}

export class ListMyUserChangesResponseDto {
  @ApiPropertyOptional({ type: [ChangeDto], description: 'absent when there are none' })
  result?: ChangeDto[];
}
