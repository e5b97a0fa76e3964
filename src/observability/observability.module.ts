import { type DynamicModule, Global, Module } from '@nestjs/common';
import { CallObserver } from './call-observer.js';
import { type AppLogger, LOG } from './logger.js';
import { MetricsController } from './metrics.controller.js';
import { Metrics } from './metrics.js';

/**
 * Logs and metrics (contract section 8), imported once by the app module: the application's
 * pino logger (LOG), the CallObserver at the edge of every transport (one log line and the
 * metrics of each call), the metrics and `GET /metrics`. Modules get all of it without doing
 * anything: their calls are observed at the edges, and their `new Logger(context)` lines are
 * JSON lines with the call's request id.
 */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(logger: AppLogger): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: [MetricsController],
      providers: [{ provide: LOG, useValue: logger }, Metrics, CallObserver],
      exports: [LOG, Metrics, CallObserver],
    };
  }
}
