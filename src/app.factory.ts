import { NestFactory } from '@nestjs/core';
import { type DestinationStream } from 'pino';
import { ServerGrpc } from '@nestjs/microservices';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { setupOpenApi } from './common/openapi/openapi.js';
import { ProtoJsonExpressAdapter } from './common/proto/proto-json.adapter.js';
import { REQUEST_ID } from './common/request-id.js';
import { hardenHttpServer } from './common/transport/http-server.js';
import { securityHeaders } from './common/transport/security-headers.js';
import { type AppConfig } from './config/config.js';
import { GrpcServicesExplorer } from './grpc/grpc.module.js';
import { GrpcHealth } from './grpc/grpc-health.js';
import { grpcOptions, type GrpcServerRef } from './grpc/grpc.options.js';
import { grpcWebMiddleware } from './grpc-web/grpc-web.js';
import { Shutdown } from './lifecycle/shutdown.service.js';
import { CallObserver } from './observability/call-observer.js';
import { routeGrpcJsLogs } from './observability/grpc-js-logger.js';
import { createLogger } from './observability/logger.js';
import { NestLogger } from './observability/nest-logger.js';

/**
 * The configured hybrid application (HTTP and gRPC), not yet listening: used by server.ts and by
 * the end-to-end tests, so both run exactly the same setup. Start it with `startApp`.
 */
export async function createApp(
  config: AppConfig,
  options: {
    /** Where the JSON log lines go (tests); stdout by default. */
    logDestination?: DestinationStream;
  } = {},
): Promise<NestExpressApplication> {
  const logger = createLogger(config.logLevel, options.logDestination);
  routeGrpcJsLogs(logger);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, logger),
    // REST handlers answer protobuf messages; the adapter writes them as protobuf JSON.
    new ProtoJsonExpressAdapter(),
    {
      // No body parser: ProtoBodyInterceptor reads the body after the guard, so the token is
      // checked before the body is looked at, and bad bodies are answered in the Status envelope.
      bodyParser: false,
      // Nest's own lines (start-up, errors) as JSON lines of the same logger, from the first one.
      logger: new NestLogger(logger),
    },
  );
  // Every call on every transport is seen from its start to its end, by the first thing that
  // runs for it: the first middleware (HTTP), the first grpc-js interceptor, the HTTP server's
  // own refusals (see CallObserver).
  const observer = app.get(CallObserver);
  // gRPC on its own port, serving what the modules' @GrpcRpc handlers declare; inheritAppConfig
  // gives it the global guard, interceptor, pipe and filter too. The transport is made here (a
  // custom strategy) so that gRPC-web can call the same handlers.
  const explorer = app.get(GrpcServicesExplorer);
  const grpcServer: GrpcServerRef = { server: undefined };
  const grpc = new ServerGrpc(
    grpcOptions(config.grpcPort, explorer.services(), app.get(GrpcHealth), grpcServer, [
      observer.grpc,
    ]).options,
  );
  app.connectMicroservice({ strategy: grpc }, { inheritAppConfig: true });
  const shutdown = app.get(Shutdown);
  shutdown.attachGrpc(grpcServer);
  app.use(observer.http);
  // Then: calls that arrive once a shutdown has begun are refused.
  app.use(shutdown.middleware);
  app.use(securityHeaders());
  // Then, before CORS: gRPC-web calls go to the gRPC transport's handlers, in this process.
  app.use(grpcWebMiddleware(grpc, explorer.methods()));
  app.enableCors({
    exposedHeaders: ['grpc-status', 'grpc-message', 'grpc-status-details-bin', REQUEST_ID],
    maxAge: 600,
  });
  // Answers are computed per caller; grpc-gateway sends no ETag either.
  app.set('etag', false);
  // Exact paths, as grpc-gateway matches them: no other letter case, no trailing slash. Express
  // reads these options when it makes its router, which has happened by now, and each route reads
  // them when it is added, at init.
  const express = app.getHttpAdapter().getInstance() as unknown as {
    router: { caseSensitive: boolean; strict: boolean };
  };
  const router = express.router;
  router.caseSensitive = true;
  router.strict = true;
  hardenHttpServer(app.getHttpServer(), observer.refusedByHttpServer);

  setupOpenApi(app);
  return app;
}

/** Starts the gRPC server, then HTTP; resolves with the HTTP port actually bound. */
export async function startApp(
  app: NestExpressApplication,
  config: AppConfig,
  host?: string,
): Promise<number> {
  await app.startAllMicroservices();
  await (host === undefined ? app.listen(config.port) : app.listen(config.port, host));
  const address: unknown = app.getHttpServer().address();
  return typeof address === 'object' && address !== null && 'port' in address
    ? Number(address.port)
    : config.port;
}
