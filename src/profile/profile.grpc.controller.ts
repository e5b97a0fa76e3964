import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type Caller } from '../auth/caller.js';
import { CurrentCaller } from '../auth/current-caller.decorator.js';
import { GrpcRpc } from '../common/proto/rpc.decorators.js';
import {
  AuthService,
  type GetMyProfileResponse,
  type UpdateMyProfileResponse,
} from '../gen/zitadel/auth_pb.js';
import { UpdateMyProfileDto } from './dto/update-my-profile.dto.js';
import { getMyProfileResponse, updateMyProfileResponse } from './profile.mapper.js';
import { ProfileService } from './profile.service.js';

/** gRPC adapter over ProfileService; gRPC-web reaches it through the gRPC-web proxy. */
@Controller()
export class ProfileGrpcController {
  constructor(private readonly profiles: ProfileService) {}

  @GrpcRpc(AuthService.method.updateMyProfile)
  async updateMyProfile(
    @Payload() update: UpdateMyProfileDto,
    @CurrentCaller() caller: Caller,
  ): Promise<UpdateMyProfileResponse> {
    return updateMyProfileResponse(await this.profiles.updateMyProfile(caller, update));
  }

  @GrpcRpc(AuthService.method.getMyProfile)
  async getMyProfile(@CurrentCaller() caller: Caller): Promise<GetMyProfileResponse> {
    return getMyProfileResponse(await this.profiles.getMyProfile(caller));
  }
}
