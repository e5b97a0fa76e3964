import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ObjectDetailsDto } from '../../common/openapi/object-details.dto.js';
import { GenderSchema } from '../../gen/zitadel/user_pb.js';

// The REST answers of the Profile module as OpenAPI schemas: the protobuf JSON mapping of the
// messages that profile.mapper.ts builds (fields holding their zero value are left out).

/** zitadel.user.v1.Profile. */
export class ProfileDto {
  @ApiProperty({ example: 'Ada' })
  firstName!: string;

  @ApiProperty({ example: 'Lovelace' })
  lastName!: string;

  @ApiProperty({ example: 'ada' })
  nickName!: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  displayName!: string;

  @ApiPropertyOptional({ example: 'en-US', description: 'canonical BCP 47 tag; absent when empty' })
  preferredLanguage?: string;

  @ApiPropertyOptional({
    enum: GenderSchema.values.map((v) => v.name).filter((name) => name !== 'GENDER_UNSPECIFIED'),
    example: 'GENDER_FEMALE',
    description: 'by name; absent for GENDER_UNSPECIFIED',
  })
  gender?: string;
}

export class UpdateMyProfileResponseDto {
  @ApiProperty({ type: ObjectDetailsDto })
  details!: ObjectDetailsDto;
}

export class GetMyProfileResponseDto {
  @ApiProperty({ type: ObjectDetailsDto })
  details!: ObjectDetailsDto;

  @ApiProperty({ type: ProfileDto })
  profile!: ProfileDto;
}
