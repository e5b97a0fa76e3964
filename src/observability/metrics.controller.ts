import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { Public } from '../auth/public.decorator.js';
import { Metrics } from './metrics.js';

/** `GET /metrics`: open without a token, and not rate limited (the guard lets @Public() pass first). */
@ApiTags('metrics')
@Public()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get('metrics')
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @ApiOperation({
    operationId: 'Metrics',
    summary: 'Prometheus metrics: calls, latency, database pool, process',
    description:
      'The Prometheus text format (0.0.4): `profile_service_calls_total` and the histogram `profile_service_call_duration_seconds` by `transport` (rest, grpc, grpc-web), `operation` and `code`; `profile_service_db_pool_connections{state}` and `profile_service_db_pool_waiting`; the default process metrics (CPU, memory, event-loop lag). Needs no token and is not rate limited.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'the metrics, in the Prometheus text exposition format',
    content: {
      'text/plain': {
        schema: {
          type: 'string',
          example:
            'profile_service_calls_total{transport="rest",operation="GET /auth/v1/users/me/profile",code="200"} 7',
        },
      },
    },
  })
  scrape(): Promise<string> {
    return this.metrics.scrape();
  }
}
