import { ApiProperty } from '@nestjs/swagger';

/** zitadel.v1.ObjectDetails in the protobuf JSON mapping (what the REST answers carry). */
export class ObjectDetailsDto {
  @ApiProperty({
    type: 'string',
    format: 'uint64',
    example: '1',
    description:
      'the sequence of the last change (a JSON string, as uint64 is in the protobuf JSON mapping)',
  })
  sequence!: string;

  @ApiProperty({ type: 'string', format: 'date-time', example: '2026-11-28T16:36:35.020Z' })
  creationDate!: string;

  @ApiProperty({ type: 'string', format: 'date-time', example: '2026-11-28T16:36:35.020Z' })
  changeDate!: string;

  @ApiProperty({ example: 'acme', description: 'the organisation the object belongs to' })
  resourceOwner!: string;
}
