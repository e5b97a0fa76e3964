// The service's start: settings, the application, its transports, its stop on a signal. main.ts
// runs it (bundled into dist/service.cjs by scripts/bundle.mjs, through V8's code cache).
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { type AppConfig, ConfigError, loadConfig } from './config/config.js';
import { type CodeCache } from './code-cache.js';
import { startPreparing } from './database/pglite-template.js';
import { compilePgliteWasm } from './database/pglite-wasm.js';

/**
 * Starts the service; resolves once it listens on every port with its database ready, then has
 * main.ts's code cache written if there was none. A failure to start is logged and ends the
 * process with code 1.
 */
export async function run(codeCache?: CodeCache): Promise<void> {
  try {
    await start(codeCache);
  } catch (error) {
    new Logger('Main').error(
      'profile-service failed to start',
      error instanceof Error ? error.stack : String(error),
    );
    process.exit(1);
  }
}

async function start(codeCache: CodeCache | undefined): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // As a log line like every other (LOG_LEVEL may be what is wrong: fatal is always written).
    const { createLogger } = await import('./observability/logger.js');
    createLogger('info').fatal(
      { problems: error.problems },
      `profile-service cannot start: ${error.message}`,
    );
    process.exit(1);
  }
  // A first start on the embedded database copies its template while the application loads.
  startPreparing(config.database);
  // And PGlite's WebAssembly compiles on V8's background threads meanwhile (it never rejects).
  if (config.database.kind === 'embedded') void compilePgliteWasm();
  const { createApp, startApp } = await import('./app.factory.js');
  const app = await createApp(config);
  stopOnSignals(app, config);
  const port = await startApp(app, config);
  new Logger('Main').log(
    `HTTP (REST, gRPC-web, health, OpenAPI at /docs) on port ${port}; gRPC on port ${config.grpcPort}; database: ${
      config.database.kind === 'postgres'
        ? 'PostgreSQL (DATABASE_URL)'
        : `embedded, in ${config.database.dataDir}`
    }`,
  );
  if (codeCache !== undefined) new Logger('Main').log(`V8 code cache: ${codeCache.settle()}`);
}

/**
 * SIGTERM or SIGINT: drain every transport, close the app (the database last), exit 0, all within
 * SHUTDOWN_TIMEOUT_MS (contract section 8). A second signal does not cut the drain short.
 */
function stopOnSignals(app: NestExpressApplication, config: AppConfig): void {
  const logger = new Logger('Main');
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: stopping`);
    // Whatever hangs, the process ends by the deadline.
    setTimeout(() => {
      logger.warn('shutdown did not finish in time: exiting');
      process.exit(0);
    }, config.shutdownTimeoutMs).unref();
    void (async () => {
      try {
        const { Shutdown } = await import('./lifecycle/shutdown.service.js');
        await app.get(Shutdown).drain();
        await app.close();
      } catch (error) {
        logger.error('shutdown failed', error instanceof Error ? error.stack : String(error));
      }
      process.exit(0);
    })();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
