import { Body, Controller, Post } from '@nestjs/common';
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
import { AuthService, type ListMyUserChangesResponse } from '../gen/zitadel/auth_pb.js';
import { ListMyUserChangesResponseDto } from './dto/history-responses.dto.js';
import { ListMyUserChangesDto } from './dto/list-my-user-changes.dto.js';
import { listMyUserChangesResponse } from './history.mapper.js';
import { HistoryService } from './history.service.js';

const PATH = 'auth/v1/users/me/changes/_search';

/** OpenAPI example of the one rule of this module's request. */
const LIMIT_TOO_HIGH = {
  code: 3,
  message:
    'invalid ListMyUserChangesRequest.Query: embedded message failed validation | caused by: invalid ChangeQuery.Limit: value must be less than or equal to 1000',
  details: [
    {
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: [
        { field: 'query.limit', description: 'value must be less than or equal to 1000' },
      ],
    },
  ],
};
/** The same operation without the `/auth/v1` prefix; left out of the OpenAPI document. */
const ALIAS = 'users/me/changes/_search';

/** REST adapter (grpc-gateway style JSON) over HistoryService. */
@ApiTags('history')
@ApiBearerAuth()
@Controller()
export class HistoryController {
  constructor(private readonly history: HistoryService) {}

  @Post(PATH)
  @HttpRpc(AuthService.method.listMyUserChanges, { body: '*' })
  @ApiOperation({
    operationId: 'ListMyUserChanges',
    summary: "List the changes of the caller's profile",
    description:
      'Newest first by default; `query.asc` for oldest first; `query.sequence` continues after the last event of the previous page. An empty body is the default query.',
  })
  @ApiOkResponse({ type: ListMyUserChangesResponseDto })
  @ApiErrorResponses([400, 401, 503], { 400: LIMIT_TOO_HIGH })
  async listMyUserChanges(
    @CurrentCaller() caller: Caller,
    @Body() request: ListMyUserChangesDto,
  ): Promise<ListMyUserChangesResponse> {
    return listMyUserChangesResponse(await this.history.listMyChanges(caller, request.query));
  }

  @Post(ALIAS)
  @HttpRpc(AuthService.method.listMyUserChanges, { body: '*' })
  @ApiExcludeEndpoint()
  listMyUserChangesAlias(
    @CurrentCaller() caller: Caller,
    @Body() request: ListMyUserChangesDto,
  ): Promise<ListMyUserChangesResponse> {
    return this.listMyUserChanges(caller, request);
  }
}
