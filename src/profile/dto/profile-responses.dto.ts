import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ObjectDetailsDto } from '../../common/openapi/object-details.dto.js';
import { ApiResponseMessage } from '../../common/openapi/proto-message.js';
import {
  GetMyProfileResponseSchema,
  UpdateMyProfileResponseSchema,
} from '../../gen/zitadel/auth_pb.js';
import { GenderSchema, ProfileSchema } from '../../gen/zitadel/user_pb.js';
import { LANGUAGE_MAX_LENGTH, NAME_MAX_LENGTH } from './update-my-profile.dto.js';

// The REST answers of the Profile module as OpenAPI schemas: the protobuf JSON mapping of the
// messages that profile.mapper.ts builds (fields holding their zero value are left out).

const storedName = (what: string, example: string) =>
  ApiProperty({
    description: `${what}, as stored: trimmed, 1 to ${NAME_MAX_LENGTH} code points`,
    minLength: 1,
    maxLength: NAME_MAX_LENGTH,
    example,
  });

/** zitadel.user.v1.Profile. */
@ApiResponseMessage(ProfileSchema, "the caller's profile")
export class ProfileDto {
  @storedName('given name', 'Ada')
  firstName!: string;

  @storedName('family name', 'Lovelace')
  lastName!: string;

  @storedName('nickname', 'ada')
  nickName!: string;

  @storedName('display name', 'Ada Lovelace')
  displayName!: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: LANGUAGE_MAX_LENGTH,
    example: 'en-US',
    description: 'a BCP 47 language tag in canonical form; absent when empty',
  })
  preferredLanguage?: string;

  @ApiPropertyOptional({
    type: 'string',
    // The zero value, GENDER_UNSPECIFIED, is left out of the JSON.
    enum: GenderSchema.values.map((v) => v.name).filter((name) => name !== 'GENDER_UNSPECIFIED'),
    example: 'GENDER_FEMALE',
    description: 'by name; absent for GENDER_UNSPECIFIED',
  })
  gender?: string;
}

@ApiResponseMessage(UpdateMyProfileResponseSchema)
export class UpdateMyProfileResponseDto {
  @ApiProperty({
    type: ObjectDetailsDto,
    description: 'the event just written: its sequence and time; the creation and the organisation',
  })
  details!: ObjectDetailsDto;
}

@ApiResponseMessage(GetMyProfileResponseSchema)
export class GetMyProfileResponseDto {
  @ApiProperty({
    type: ObjectDetailsDto,
    description: 'the stored profile: its last sequence and change, its creation and organisation',
  })
  details!: ObjectDetailsDto;

  @ApiProperty({ type: ProfileDto })
  profile!: ProfileDto;
}
