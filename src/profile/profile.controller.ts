import { type JsonValue, toJson } from '@bufbuild/protobuf';
import { Body, Controller, Get, HttpCode, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiDefaultResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { type Caller } from '../auth/caller.js';
import { CurrentCaller } from '../auth/current-caller.decorator.js';
import { ProtoJsonPipe } from '../common/transport/proto-json.pipe.js';
import {
  GetMyProfileResponseSchema,
  type UpdateMyProfileRequest,
  UpdateMyProfileRequestSchema,
  UpdateMyProfileResponseSchema,
} from '../gen/zitadel/auth_pb.js';
import { getMyProfileResponse, updateMyProfileResponse } from './profile.messages.js';
import {
  GET_MY_PROFILE_RESPONSE,
  STATUS,
  UPDATE_MY_PROFILE_REQUEST,
  UPDATE_MY_PROFILE_RESPONSE,
} from './profile.openapi.js';
import { ProfileService } from './profile.service.js';

const PATHS = ['auth/v1/users/me/profile', 'users/me/profile'];

/** REST adapter (grpc-gateway style JSON) over ProfileService. */
@ApiTags('profile')
@ApiBearerAuth()
@ApiDefaultResponse({ description: 'any error, as a google.rpc.Status', schema: STATUS })
@Controller()
export class ProfileController {
  constructor(private readonly profiles: ProfileService) {}

  @Put(PATHS)
  @HttpCode(200)
  @ApiOperation({ operationId: 'UpdateMyProfile', summary: "Replace the caller's profile" })
  @ApiBody({ schema: UPDATE_MY_PROFILE_REQUEST })
  @ApiOkResponse({ schema: UPDATE_MY_PROFILE_RESPONSE })
  async updateMyProfile(
    @CurrentCaller() caller: Caller,
    @Body(new ProtoJsonPipe(UpdateMyProfileRequestSchema)) request: UpdateMyProfileRequest,
  ): Promise<JsonValue> {
    const details = await this.profiles.updateMyProfile(caller, request);
    return toJson(UpdateMyProfileResponseSchema, updateMyProfileResponse(details));
  }

  @Get(PATHS)
  @ApiOperation({ operationId: 'GetMyProfile', summary: "Read the caller's profile" })
  @ApiOkResponse({ schema: GET_MY_PROFILE_RESPONSE })
  async getMyProfile(@CurrentCaller() caller: Caller): Promise<JsonValue> {
    const view = await this.profiles.getMyProfile(caller);
    return toJson(GetMyProfileResponseSchema, getMyProfileResponse(view));
  }
}
