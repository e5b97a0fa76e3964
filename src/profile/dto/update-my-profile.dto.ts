import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum } from 'class-validator';
import { ApiPropertyOneOf, ApiRequestMessage } from '../../common/openapi/proto-message.js';
import { ProtoMessage } from '../../common/proto/proto-message.decorator.js';
import { IsLanguageTag, NoNul, RuneLength } from '../../common/validation/constraints.js';
import { ToCanonicalLanguageTag, Trim } from '../../common/validation/transforms.js';
import { UpdateMyProfileRequestSchema } from '../../gen/zitadel/auth_pb.js';
import { Gender, GenderSchema } from '../../gen/zitadel/user_pb.js';

export const NAME_MAX_LENGTH = 200;
export const LANGUAGE_MAX_LENGTH = 10;

const DEFINED_ENUM = { message: 'value must be one of the defined enum values' };

const name = (what: string, example: string) =>
  ApiProperty({
    description: `${what}: required; trimmed of white space, then 1 to ${NAME_MAX_LENGTH} code points, no NUL`,
    minLength: 1,
    maxLength: NAME_MAX_LENGTH,
    example,
  });

/**
 * zitadel.auth.v1.UpdateMyProfileRequest with the rules of contract section 2: the request of
 * UpdateMyProfile on every transport. Values are trimmed of Unicode white space first (so the
 * rules and the service see what is stored); lengths count code points.
 */
@ApiRequestMessage(
  UpdateMyProfileRequestSchema,
  'the new profile: it replaces all six fields (`preferredLanguage` left out is stored empty, `gender` left out GENDER_UNSPECIFIED)',
)
@ProtoMessage(UpdateMyProfileRequestSchema)
export class UpdateMyProfileDto {
  @name('given name', 'Ada')
  @Trim()
  @RuneLength(1, NAME_MAX_LENGTH)
  @NoNul()
  firstName!: string;

  @name('family name', 'Lovelace')
  @Trim()
  @RuneLength(1, NAME_MAX_LENGTH)
  @NoNul()
  lastName!: string;

  @name('nickname', 'ada')
  @Trim()
  @RuneLength(1, NAME_MAX_LENGTH)
  @NoNul()
  nickName!: string;

  @name('display name', 'Ada Lovelace')
  @Trim()
  @RuneLength(1, NAME_MAX_LENGTH)
  @NoNul()
  displayName!: string;

  @ApiPropertyOptional({
    description: `empty, or a well-formed BCP 47 language tag of at most ${LANGUAGE_MAX_LENGTH} code points (after trimming), stored in canonical form (en-us → en-US)`,
    maxLength: LANGUAGE_MAX_LENGTH,
    example: 'en-US',
  })
  @Trim()
  @ToCanonicalLanguageTag()
  @RuneLength(0, LANGUAGE_MAX_LENGTH)
  @NoNul()
  @IsLanguageTag()
  preferredLanguage!: string;

  @ApiPropertyOneOf({
    description: 'by name or by number; GENDER_UNSPECIFIED (0) when left out',
    oneOf: [
      { type: 'string', enum: GenderSchema.values.map((v) => v.name) },
      { type: 'integer', enum: GenderSchema.values.map((v) => v.number) },
    ],
    example: 'GENDER_FEMALE',
  })
  @IsEnum(Gender, DEFINED_ENUM)
  gender!: Gender;
}
