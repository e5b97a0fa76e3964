import { Body, Controller, Get, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExcludeEndpoint,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { type Caller } from '../auth/caller.js';
import { CurrentCaller } from '../auth/current-caller.decorator.js';
import { ApiErrorResponses } from '../common/openapi/status.dto.js';
import { HttpRpc } from '../common/proto/rpc.decorators.js';
import {
  AuthService,
  type GetMyProfileResponse,
  type UpdateMyProfileResponse,
} from '../gen/zitadel/auth_pb.js';
import {
  GetMyProfileResponseDto,
  UpdateMyProfileResponseDto,
} from './dto/profile-responses.dto.js';
import { UpdateMyProfileDto } from './dto/update-my-profile.dto.js';
import { getMyProfileResponse, updateMyProfileResponse } from './profile.mapper.js';
import { ProfileService } from './profile.service.js';

const PATH = 'auth/v1/users/me/profile';

/** OpenAPI examples of this module's own errors. */
const INVALID_NAME = {
  code: 3,
  message:
    'invalid UpdateMyProfileRequest.FirstName: value length must be between 1 and 200 runes, inclusive',
  details: [
    {
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: [
        {
          field: 'first_name',
          description: 'value length must be between 1 and 200 runes, inclusive',
        },
      ],
    },
  ],
};
const USER_NOT_FOUND = {
  code: 5,
  message: 'User could not be found (QUERY-HNhb3)',
  details: [
    {
      '@type': 'type.googleapis.com/zitadel.v1.ErrorDetail',
      id: 'QUERY-HNhb3',
      message: 'User could not be found',
    },
  ],
};
/** The same operations without the `/auth/v1` prefix; left out of the OpenAPI document. */
const ALIAS = 'users/me/profile';

/** REST adapter (grpc-gateway style JSON) over ProfileService. */
@ApiTags('profile')
@ApiBearerAuth()
@Controller()
export class ProfileController {
  constructor(private readonly profiles: ProfileService) {}

  @Put(PATH)
  @HttpRpc(AuthService.method.updateMyProfile, { body: '*' })
  @ApiOperation({ operationId: 'UpdateMyProfile', summary: "Replace the caller's profile" })
  @ApiOkResponse({ type: UpdateMyProfileResponseDto })
  @ApiErrorResponses([400, 401, 503], { 400: INVALID_NAME })
  async updateMyProfile(
    @CurrentCaller() caller: Caller,
    @Body() update: UpdateMyProfileDto,
  ): Promise<UpdateMyProfileResponse> {
    return updateMyProfileResponse(await this.profiles.updateMyProfile(caller, update));
  }

  @Get(PATH)
  @HttpRpc(AuthService.method.getMyProfile)
  @ApiOperation({ operationId: 'GetMyProfile', summary: "Read the caller's profile" })
  @ApiOkResponse({ type: GetMyProfileResponseDto })
  @ApiErrorResponses([401, 404, 503], { 404: USER_NOT_FOUND })
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
