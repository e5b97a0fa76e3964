import { Body, Controller, Get, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiExcludeEndpoint,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { type Caller } from '../auth/caller.js';
import { CurrentCaller } from '../auth/current-caller.decorator.js';
import { InvalidArgumentError, ValidationError } from '../common/errors/app-error.js';
import { ApiErrorResponses, type ErrorExample } from '../common/openapi/status.dto.js';
import { HttpRpc } from '../common/proto/rpc.decorators.js';
import {
  AuthService,
  type GetMyProfileResponse,
  UpdateMyProfileRequestSchema,
  type UpdateMyProfileResponse,
} from '../gen/zitadel/auth_pb.js';
import {
  GetMyProfileResponseDto,
  UpdateMyProfileResponseDto,
} from './dto/profile-responses.dto.js';
import { NAME_MAX_LENGTH, UpdateMyProfileDto } from './dto/update-my-profile.dto.js';
import {
  ProfileNotChangedError,
  ProfileNotFoundError,
  UserNotFoundError,
} from './profile.errors.js';
import { getMyProfileResponse, updateMyProfileResponse } from './profile.mapper.js';
import { ProfileService } from './profile.service.js';

const PATH = 'auth/v1/users/me/profile';
/** The same operations without the `/auth/v1` prefix; left out of the OpenAPI document. */
const ALIAS = 'users/me/profile';

/** OpenAPI examples of this module's own errors, made of the errors the application throws. */
const UPDATE_ERRORS: Record<string, ErrorExample> = {
  invalidName: {
    summary: 'a rule is broken (here: an empty first name)',
    error: new ValidationError(UpdateMyProfileRequestSchema.name, [
      {
        field: 'first_name',
        description: `value length must be between 1 and ${NAME_MAX_LENGTH} runes, inclusive`,
      },
    ]),
  },
  notJson: {
    summary: 'the body is not JSON',
    error: new InvalidArgumentError(
      `invalid ${UpdateMyProfileRequestSchema.name}: request body is not valid JSON`,
    ),
  },
  notChanged: { summary: 'the update changes nothing', error: new ProfileNotChangedError() },
  ownedElsewhere: {
    summary: "the profile belongs to another organisation than the token's",
    error: new ProfileNotFoundError(),
  },
};
const GET_ERRORS: Record<string, ErrorExample> = {
  userNotFound: {
    summary: "no profile yet, or another organisation's",
    error: new UserNotFoundError(),
  },
};

/** REST adapter (grpc-gateway style JSON) over ProfileService. */
@ApiTags('profile')
@ApiBearerAuth()
@Controller()
export class ProfileController {
  constructor(private readonly profiles: ProfileService) {}

  @Put(PATH)
  @HttpRpc(AuthService.method.updateMyProfile, { body: '*' })
  @ApiOperation({
    operationId: 'UpdateMyProfile',
    summary: "Replace the caller's profile",
    description:
      "Replaces all six fields of the caller's profile (the subject of the token); the first update creates it (sequence 1), every later one that changes something appends one change event and adds 1 to the sequence, one that changes nothing is FAILED_PRECONDITION. " +
      'Fields may be given by their lowerCamelCase or proto names (`firstName` or `first_name`), the gender by name or number; unknown fields are ignored. ' +
      `Also served as \`PUT /${ALIAS}\` and as the gRPC and gRPC-web method \`${AuthService.typeName}/${AuthService.method.updateMyProfile.name}\`.`,
  })
  @ApiBody({ type: UpdateMyProfileDto, required: true })
  @ApiOkResponse({
    type: UpdateMyProfileResponseDto,
    description: 'stored: the details of the event just written',
  })
  @ApiErrorResponses([400, 401, 429, 503], { 400: { examples: UPDATE_ERRORS } })
  async updateMyProfile(
    @CurrentCaller() caller: Caller,
    @Body() update: UpdateMyProfileDto,
  ): Promise<UpdateMyProfileResponse> {
    return updateMyProfileResponse(await this.profiles.updateMyProfile(caller, update));
  }

  @Get(PATH)
  @HttpRpc(AuthService.method.getMyProfile)
  @ApiOperation({
    operationId: 'GetMyProfile',
    summary: "Read the caller's profile",
    description:
      "The caller's profile (the subject of the token) in the token's organisation. " +
      `Also served as \`GET /${ALIAS}\` and as the gRPC and gRPC-web method \`${AuthService.typeName}/${AuthService.method.getMyProfile.name}\`.`,
  })
  @ApiOkResponse({ type: GetMyProfileResponseDto, description: 'the stored profile' })
  @ApiErrorResponses([401, 404, 429, 503], { 404: { examples: GET_ERRORS } })
  async getMyProfile(@CurrentCaller() caller: Caller): Promise<GetMyProfileResponse> {
    return getMyProfileResponse(await this.profiles.getMyProfile(caller));
  }

  // OpenAPI wants one operation id per operation, so the aliases are separate, undocumented routes.
  @Put(ALIAS)
  @HttpRpc(AuthService.method.updateMyProfile, { body: '*' })
  @ApiExcludeEndpoint()
  updateMyProfileAlias(
    @CurrentCaller() caller: Caller,
    @Body() update: UpdateMyProfileDto,
  ): Promise<UpdateMyProfileResponse> {
    return this.updateMyProfile(caller, update);
  }

  @Get(ALIAS)
  @HttpRpc(AuthService.method.getMyProfile)
  @ApiExcludeEndpoint()
  getMyProfileAlias(@CurrentCaller() caller: Caller): Promise<GetMyProfileResponse> {
    return this.getMyProfile(caller);
  }
}
