import { type JsonValue, toJson } from '@bufbuild/protobuf';
import { Controller, Get, HttpCode, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiDefaultResponse,
  ApiExcludeEndpoint,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { type Caller } from '../auth/caller.js';
import { CurrentCaller } from '../auth/current-caller.decorator.js';
import { ProtoJsonPipe } from '../common/transport/proto-json.pipe.js';
import { RequestBody } from '../common/transport/request-body.decorator.js';
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

const PATH = 'auth/v1/users/me/profile';
/** The same operations without the `/auth/v1` prefix; left out of the OpenAPI document. */
const ALIAS = 'users/me/profile';

/** REST adapter (grpc-gateway style JSON) over ProfileService. */
@ApiTags('profile')
@ApiBearerAuth()
@ApiDefaultResponse({ description: 'any error, as a google.rpc.Status', schema: STATUS })
@Controller()
export class ProfileController {
  constructor(private readonly profiles: ProfileService) {}

  @Put(PATH)
  @HttpCode(200)
  @ApiOperation({ operationId: 'UpdateMyProfile', summary: "Replace the caller's profile" })
  @ApiBody({ schema: UPDATE_MY_PROFILE_REQUEST })
  @ApiOkResponse({ schema: UPDATE_MY_PROFILE_RESPONSE })
  async updateMyProfile(
    @CurrentCaller() caller: Caller,
    @RequestBody(new ProtoJsonPipe(UpdateMyProfileRequestSchema)) request: UpdateMyProfileRequest,
  ): Promise<JsonValue> {
    const details = await this.profiles.updateMyProfile(caller, request);
    return toJson(UpdateMyProfileResponseSchema, updateMyProfileResponse(details));
  }

  @Get(PATH)
  @ApiOperation({ operationId: 'GetMyProfile', summary: "Read the caller's profile" })
  @ApiOkResponse({ schema: GET_MY_PROFILE_RESPONSE })
  async getMyProfile(@CurrentCaller() caller: Caller): Promise<JsonValue> {
    const view = await this.profiles.getMyProfile(caller);
    return toJson(GetMyProfileResponseSchema, getMyProfileResponse(view));
  }

  // OpenAPI wants one operation id per operation, so the aliases are separate, undocumented routes.
  @Put(ALIAS)
  @HttpCode(200)
  @ApiExcludeEndpoint()
  updateMyProfileAlias(
    @CurrentCaller() caller: Caller,
    @RequestBody(new ProtoJsonPipe(UpdateMyProfileRequestSchema)) request: UpdateMyProfileRequest,
  ): Promise<JsonValue> {
    return this.updateMyProfile(caller, request);
  }

  @Get(ALIAS)
  @ApiExcludeEndpoint()
  getMyProfileAlias(@CurrentCaller() caller: Caller): Promise<JsonValue> {
    return this.getMyProfile(caller);
  }
}
