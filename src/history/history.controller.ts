import { Body, Controller, Post } from '@nestjs/common';
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
  ListMyUserChangesRequestSchema,
  type ListMyUserChangesResponse,
} from '../gen/zitadel/auth_pb.js';
import { ChangeQuerySchema } from '../gen/zitadel/change_pb.js';
import { ListMyUserChangesResponseDto } from './dto/history-responses.dto.js';
import { ListMyUserChangesDto, MAX_LIMIT } from './dto/list-my-user-changes.dto.js';
import { listMyUserChangesResponse } from './history.mapper.js';
import { HistoryService } from './history.service.js';

const PATH = 'auth/v1/users/me/changes/_search';

/** OpenAPI examples of this module's errors, made of the errors the application throws. */
const LIST_ERRORS: Record<string, ErrorExample> = {
  limitTooHigh: {
    summary: `query.limit over ${MAX_LIMIT}`,
    error: new ValidationError(
      ListMyUserChangesRequestSchema.name,
      [{ field: 'query.limit', description: `value must be less than or equal to ${MAX_LIMIT}` }],
      `invalid ${ListMyUserChangesRequestSchema.name}.Query: embedded message failed validation | caused by: invalid ${ChangeQuerySchema.name}.Limit: value must be less than or equal to ${MAX_LIMIT}`,
    ),
  },
  notJson: {
    summary: 'the body is not JSON',
    error: new InvalidArgumentError(
      `invalid ${ListMyUserChangesRequestSchema.name}: request body is not valid JSON`,
    ),
  },
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
      "The change events of the caller's profile (the ones UpdateMyProfile writes), newest first by default; `query.asc` for oldest first; `query.sequence` continues after the last event of the previous page. An empty body is the default query. A caller without a profile gets an empty answer, not an error. " +
      `Also served as \`POST /${ALIAS}\` and as the gRPC and gRPC-web method \`${AuthService.typeName}/${AuthService.method.listMyUserChanges.name}\`.`,
  })
  @ApiBody({ type: ListMyUserChangesDto, required: false })
  @ApiOkResponse({ type: ListMyUserChangesResponseDto, description: 'a page of changes' })
  @ApiErrorResponses([400, 401, 429, 503], { 400: { examples: LIST_ERRORS } })
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
