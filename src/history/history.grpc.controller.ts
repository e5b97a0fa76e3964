import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type Caller } from '../auth/caller.js';
import { CurrentCaller } from '../auth/current-caller.decorator.js';
import { GrpcRpc } from '../common/proto/rpc.decorators.js';
import { AuthService, type ListMyUserChangesResponse } from '../gen/zitadel/auth_pb.js';
import { ListMyUserChangesDto } from './dto/list-my-user-changes.dto.js';
import { listMyUserChangesResponse } from './history.mapper.js';
import { HistoryService } from './history.service.js';

/** gRPC adapter over HistoryService; gRPC-web reaches it through the gRPC-web proxy. */
@Controller()
export class HistoryGrpcController {
  constructor(private readonly history: HistoryService) {}

  @GrpcRpc(AuthService.method.listMyUserChanges)
  async listMyUserChanges(
    @Payload() request: ListMyUserChangesDto,
    @CurrentCaller() caller: Caller,
  ): Promise<ListMyUserChangesResponse> {
    return listMyUserChangesResponse(await this.history.listMyChanges(caller, request.query));
  }
}
