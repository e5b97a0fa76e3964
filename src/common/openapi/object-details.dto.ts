import { ApiProperty } from '@nestjs/swagger';
import { ObjectDetailsSchema } from '../../gen/zitadel/object_pb.js';
import { ApiResponseMessage } from './proto-message.js';

/** A uint64 in the protobuf JSON mapping of an answer: a decimal string. */
export const UINT64_PATTERN = '^(0|[1-9][0-9]{0,19})$';

/** A google.protobuf.Timestamp in the protobuf JSON mapping: RFC 3339 in UTC. */
export const TIMESTAMP = {
  type: 'string',
  format: 'date-time',
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{3}|\\.\\d{6}|\\.\\d{9})?Z$',
  example: '2026-11-28T16:36:35.020Z',
} as const;

/** zitadel.v1.ObjectDetails in the protobuf JSON mapping (what the REST answers carry). */
@ApiResponseMessage(ObjectDetailsSchema, 'the state of the object the call read or changed')
export class ObjectDetailsDto {
  @ApiProperty({
    type: 'string',
    format: 'uint64',
    pattern: UINT64_PATTERN,
    example: '1',
    description:
      'the sequence of the last change: 1 after the first update, one more after each change (a JSON string, as uint64 is in the protobuf JSON mapping)',
  })
  sequence!: string;

  @ApiProperty({ ...TIMESTAMP, description: 'when the object was created' })
  creationDate!: string;

  @ApiProperty({ ...TIMESTAMP, description: 'when it last changed' })
  changeDate!: string;

  @ApiProperty({
    example: 'acme',
    minLength: 1,
    description: 'the organisation the object belongs to, fixed when it was created',
  })
  resourceOwner!: string;
}
