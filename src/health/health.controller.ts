import { Controller, Get } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Public } from '../auth/public.decorator.js';
import { UnavailableError } from '../common/errors/app-error.js';
import { StatusDto } from '../common/openapi/status.dto.js';
import { Readiness } from './readiness.service.js';

/** Liveness and readiness probes; open to callers without a token. */
@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(private readonly readiness: Readiness) {}

  @Get('healthz')
  @ApiOperation({ operationId: 'Healthz', summary: 'Alive: the process answers' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  healthz(): { status: string } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @ApiOperation({
    operationId: 'Readyz',
    summary: 'Ready: the database answers (within 2 s) and no shutdown has begun',
  })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  @ApiServiceUnavailableResponse({ type: StatusDto, description: 'not ready (UNAVAILABLE, 14)' })
  async readyz(): Promise<{ status: string }> {
    if (!(await this.readiness.check())) throw new UnavailableError();
    return { status: 'ok' };
  }
}
