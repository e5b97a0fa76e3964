import { Body, Controller, Get, HttpCode, Put } from '@nestjs/common';
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
/** The same operations without the `/auth/v1` prefix; left out of the OpenAPI document. */
const ALIAS = 'users/me/profile';

/** REST adapter (grpc-gateway style JSON) over ProfileService. */
@ApiTags('profile')
@ApiBearerAuth()
@Controller()
export class ProfileController {
  constructor(private readonly profiles: ProfileService) {}

  @Put(PATH)
  @HttpCode(200)
  @HttpRpc(AuthService.method.updateMyProfile, { body: '*' })
  @ApiOperation({ operationId: 'UpdateMyProfile', summary: "Replace the caller's profile" })
  @ApiOkResponse({ type: UpdateMyProfileResponseDto })
  @ApiErrorResponses(400, 401, 503)
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
  @ApiErrorResponses(401, 404, 503)
  async getMyProfile(@CurrentCaller() caller: Caller): Promise<GetMyProfileResponse> {
    return getMyProfileResponse(await this.profiles.getMyProfile(caller));
  }

  // OpenAPI wants one operation id per operation, so the aliases are separate, undocumented routes.
  @Put(ALIAS)
  @HttpCode(200)
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
