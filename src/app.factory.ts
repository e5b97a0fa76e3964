import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module.js';
import { type AppConfig } from './config/config.js';
import { grpcOptions } from './grpc/grpc.options.js';
import { GrpcWebProxyService } from './grpc-web/grpc-web.module.js';

/** Largest REST request body; a profile update is well under 4 KiB. */
const BODY_LIMIT = '64kb';

/**
 * The configured hybrid application (HTTP and gRPC), not yet listening: used by main.ts and by
 * the end-to-end tests, so both run exactly the same setup. Start it with `startApp`.
 */
export async function createApp(
  config: AppConfig,
  options: { logger?: false } = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    // The body is read raw and decoded by ProtoJsonPipe after the guard, so that a token is
    // checked before the body is looked at and malformed JSON is answered in the Status envelope.
    bodyParser: false,
    ...(options.logger === false ? { logger: false } : {}),
  });
  // First, before the body parser and CORS: gRPC-web calls stream straight to the gRPC port.
  app.use(app.get(GrpcWebProxyService).middleware);
  // gRPC on its own port; inheritAppConfig gives it the global guard, pipes and filter too.
  app.connectMicroservice(grpcOptions(config.grpcPort), { inheritAppConfig: true });
  app.useBodyParser('raw', { type: () => true, limit: BODY_LIMIT });
  app.enableCors({
    exposedHeaders: ['grpc-status', 'grpc-message', 'grpc-status-details-bin'],
    maxAge: 600,
  });
  app.disable('x-powered-by');
  // Answers are computed per caller; grpc-gateway sends no ETag either.
  app.set('etag', false);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('profile-service')
      .setDescription(
        "Read and update the caller's own profile; wire-compatible with ZITADEL's " +
          'zitadel.auth.v1.AuthService (UpdateMyProfile, GetMyProfile).',
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
