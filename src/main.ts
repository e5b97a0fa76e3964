import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp, startApp } from './app.factory.js';
import { ConfigError, loadConfig } from './config/config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`profile-service cannot start: ${error.message}`);
    process.exit(1);
  }
  const app = await createApp(config);
  // Only the signals that mean "stop" (Nest's default list also has SIGHUP and SIGUSR2).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  const port = await startApp(app, config);
  const logger = new Logger('Main');
  logger.log(
    `HTTP (REST, gRPC-web, health, OpenAPI at /docs) on port ${port}; gRPC on port ${config.grpcPort}; database: ${
      config.database.kind === 'postgres'
        ? 'PostgreSQL (DATABASE_URL)'
        : `embedded, in ${config.database.dataDir}`
    }`,
  );
}

main().catch((error: unknown) => {
  new Logger('Main').error(
    'profile-service failed to start',
    error instanceof Error ? error.stack : String(error),
  );
  process.exit(1);
});
