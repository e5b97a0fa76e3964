import { type DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module.js';
import { CommonModule } from './common/common.module.js';
import { type AppConfig } from './config/config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { GrpcModule } from './grpc/grpc.module.js';
import { HealthModule } from './health/health.module.js';
import { HistoryModule } from './history/history.module.js';
import { LifecycleModule } from './lifecycle/lifecycle.module.js';
import { type AppLogger } from './observability/logger.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { ProfileModule } from './profile/profile.module.js';

@Module({})
export class AppModule {
  /** The whole application over a validated configuration (see loadConfig), logging to `logger`. */
  static forRoot(config: AppConfig, logger: AppLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule.forRoot(logger),
        CommonModule,
        DatabaseModule,
        AuthModule,
        GrpcModule,
        HealthModule,
        LifecycleModule,
        // Features: each brings its routes, gRPC methods, tables and errors.
        ProfileModule,
        HistoryModule,
      ],
    };
  }
}
