import { type AppConfig, type DatabaseConfig } from '../../src/config/config.js';

/** An AppConfig for tests that run modules on a database without serving anything. */
export function integrationConfig(database: DatabaseConfig, dataDir: string): AppConfig {
  return {
    production: false,
    port: 0,
    grpcPort: 0,
    dataDir,
    database,
    auth: {
      mode: 'development',
      issuer: 'unused',
      audience: undefined,
      resourceOwnerClaim: 'urn:zitadel:iam:user:resourceowner:id',
      defaultResourceOwner: 'default',
      dataDir,
    },
    shutdownTimeoutMs: 10_000,
    rateLimitPerMinute: 0,
    logLevel: 'info',
  };
}
