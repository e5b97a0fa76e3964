import { Controller, Get } from '@nestjs/common';
import { Public } from '../auth/public.decorator.js';
import { UnavailableError } from '../common/errors/app-error.js';
import { DatabaseHealth } from '../database/database.module.js';

/** Liveness and readiness probes; open to callers without a token. */
@Public()
@Controller()
export class HealthController {
  constructor(private readonly database: DatabaseHealth) {}

  @Get('healthz')
  healthz(): { status: string } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(): Promise<{ status: string }> {
    try {
      await this.database.ping();
    } catch (error) {
      throw new UnavailableError(error);
    }
    return { status: 'ok' };
  }
}
