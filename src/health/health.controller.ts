import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiSchema, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/public.decorator.js';
import { UnavailableError } from '../common/errors/app-error.js';
import { ApiErrorResponses } from '../common/openapi/status.dto.js';
import { Readiness } from './readiness.service.js';

/** The answer of a probe that passes. */
@ApiSchema({ name: 'Health', description: 'the answer of a probe that passes' })
export class HealthDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status!: 'ok';
}

const OK: HealthDto = { status: 'ok' };

/** Liveness and readiness probes; open to callers without a token. */
@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(private readonly readiness: Readiness) {}

  @Get('healthz')
  @ApiOperation({
    operationId: 'Healthz',
    summary: 'Alive: the process answers',
    description:
      'Liveness: 200 as long as the process answers, during a shutdown too. Needs no token.',
  })
  @ApiOkResponse({ type: HealthDto, description: 'alive' })
  healthz(): HealthDto {
    return OK;
  }

  @Get('readyz')
  @ApiOperation({
    operationId: 'Readyz',
    summary: 'Ready: the database answers (within 2 s) and no shutdown has begun',
    description:
      'Readiness: 200 while the service takes calls; 503 while the database cannot be reached and from the moment a shutdown begins. Needs no token.',
  })
  @ApiOkResponse({ type: HealthDto, description: 'ready' })
  @ApiErrorResponses([503], {
    503: {
      description: 'UNAVAILABLE (14): not ready',
      examples: {
        notReady: {
          summary: 'the database cannot be reached, or a shutdown has begun',
          error: new UnavailableError(),
        },
      },
    },
  })
  async readyz(): Promise<HealthDto> {
    if (!(await this.readiness.check())) throw new UnavailableError();
    return OK;
  }
}
