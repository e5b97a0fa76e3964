import { join } from 'node:path';
import { type DataSourceOptions } from 'typeorm';
import { type DatabaseConfig } from '../config/config.js';
import { registeredMigrations } from './migration-registry.js';
import { createPgliteDriver } from './pglite-pool.js';

/**
 * TypeORM options for either database: PostgreSQL through `pg` when DATABASE_URL is set, else
 * the embedded PGlite in DATA_DIR. The schema only ever changes through migrations, applied at
 * start (never `synchronize`): those the feature modules declared with DatabaseModule.forFeature.
 */
export function dataSourceOptions(db: DatabaseConfig): DataSourceOptions {
  const common = {
    type: 'postgres',
    migrations: registeredMigrations(),
    migrationsRun: true,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    logging: false,
    connectTimeoutMS: db.connectTimeoutMs,
    applicationName: 'profile-service',
  } as const;
  if (db.kind === 'postgres') {
    return {
      ...common,
      url: db.url,
      poolSize: 10,
      // Bounded waits, so an unreachable database answers UNAVAILABLE instead of hanging.
      extra: { query_timeout: db.queryTimeoutMs, statement_timeout: db.queryTimeoutMs },
    };
  }
  return {
    ...common,
    driver: createPgliteDriver({ dataDir: join(db.dataDir, 'pgdata') }),
  };
}
