import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module.js';
import { answerClientErrorsWithStatus } from './common/transport/client-error.js';
import { type AppConfig } from './config/config.js';
import { GrpcServicesExplorer } from './grpc/grpc.module.js';
import { grpcOptions } from './grpc/grpc.options.js';
import { GrpcWebProxyService } from './grpc-web/grpc-web.module.js';

/**
 * The configured hybrid application (HTTP and gRPC), not yet listening: used by main.ts and by
 * the end-to-end tests, so both run exactly the same setup. Start it with `startApp`.
 */
export async function createApp(
  config: AppConfig,
  options: { logger?: false } = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    // No body parser: ProtoBodyInterceptor reads the body after the guard, so the token is
    // checked before the body is looked at, and bad bodies are answered in the Status envelope.
    bodyParser: false,
    ...(options.logger === false ? { logger: false } : {}),
  });
  // First, before the body parser and CORS: gRPC-web calls stream straight to the gRPC port.
  app.use(app.get(GrpcWebProxyService).middleware);
  // gRPC on its own port, serving what the modules' @GrpcRpc handlers declare; inheritAppConfig
  // gives it the global guard, interceptor, pipe and filter too.
  const services = app.get(GrpcServicesExplorer).services();
  app.connectMicroservice(grpcOptions(config.grpcPort, services), { inheritAppConfig: true });
  app.enableCors({
    exposedHeaders: ['grpc-status', 'grpc-message', 'grpc-status-details-bin'],
    maxAge: 600,
  });
  app.disable('x-powered-by');
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
  answerClientErrorsWithStatus(app.getHttpServer());

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('profile-service')
      .setDescription(
        "The caller's own data (profile, change history); wire-compatible with ZITADEL's " +
          'auth API (zitadel.auth.v1.AuthService). Every error is a google.rpc.Status.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
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
