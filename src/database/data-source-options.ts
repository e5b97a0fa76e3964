import { Logger } from '@nestjs/common';
import { type DataSourceOptions } from 'typeorm';
import { type DatabaseConfig } from '../config/config.js';
import { registeredMigrations } from './migration-registry.js';
import { createPgliteDriver, type PgliteDriver } from './pglite-pool.js';
import { defaultTemplateDir, embeddedDataDir, type PreparedDataDir } from './pglite-template.js';

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
  return { ...common, driver: embeddedDriver(db.dataDir) };
}

function embeddedDriver(dataDir: string): PgliteDriver {
  return createPgliteDriver({
    dataDir: embeddedDataDir(dataDir),
    template: defaultTemplateDir(),
    onPrepared: logPrepared,
  });
}

function logPrepared(dataDir: string, prepared: PreparedDataDir): void {
  const logger = new Logger('Database');
  if (prepared.origin === 'template') {
    logger.log(`embedded database created in ${dataDir} from the template`);
  } else if (prepared.origin === 'initdb') {
    logger.warn(
      `embedded database: ${prepared.reason ?? 'no template'}; PGlite initialises ${dataDir} ` +
        'itself (a slower first start)',
    );
  }
}
