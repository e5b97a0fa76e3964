import { type DynamicModule, Global, Injectable, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { withDeadline } from '../common/call-context.js';
import { Deadline } from '../common/deadline.js';
import { type AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { dataSourceOptions } from './data-source-options.js';
import { type MigrationClass, registerMigrations } from './migration-registry.js';
import { Sql, type SqlStatement } from './sql.js';

/** Longest wait for the database's answer to the readiness probe (contract section 8). */
export const PING_TIMEOUT_MS = 2000;

const PING: SqlStatement = { name: 'ping', text: 'SELECT 1' };

/** Pings the database for the readiness probe, within PING_TIMEOUT_MS. */
@Injectable()
export class DatabaseHealth {
  constructor(private readonly sql: Sql) {}

  async ping(): Promise<void> {
    await withDeadline(Deadline.after(PING_TIMEOUT_MS), () => this.sql.query(PING, []));
  }
}

/** What a feature module keeps in the database. */
export interface DatabaseFeature {
  /** Its TypeORM entities (injectable as repositories in the feature). */
  entities: NonNullable<Parameters<typeof TypeOrmModule.forFeature>[0]>;
  /** The migrations that make and change its tables (`src/<feature>/migrations/`). */
  migrations: MigrationClass[];
}

/**
 * The one data source of the application (imported once, by the app module); features declare
 * their tables with `DatabaseModule.forFeature({ entities, migrations })` and run their hot
 * statements through `Sql`.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.database),
        autoLoadEntities: true,
        retryAttempts: 2,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: [DatabaseHealth, Sql],
  exports: [DatabaseHealth, Sql],
})
export class DatabaseModule {
  static forFeature(feature: DatabaseFeature): DynamicModule {
    registerMigrations(feature.migrations);
    return TypeOrmModule.forFeature(feature.entities);
  }
}
