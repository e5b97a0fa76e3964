import { type DynamicModule, Injectable, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { dataSourceOptions } from './data-source-options.js';
import { type MigrationClass, registerMigrations } from './migration-registry.js';

/** Pings the database for the readiness probe. */
@Injectable()
export class DatabaseHealth {
  constructor(private readonly dataSource: DataSource) {}

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
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
 * their tables with `DatabaseModule.forFeature({ entities, migrations })`.
 */
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
  providers: [DatabaseHealth],
  exports: [DatabaseHealth],
})
export class DatabaseModule {
  static forFeature(feature: DatabaseFeature): DynamicModule {
    registerMigrations(feature.migrations);
    return TypeOrmModule.forFeature(feature.entities);
  }
}
