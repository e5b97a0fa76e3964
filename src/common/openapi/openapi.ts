import { type INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { describeMessages } from './proto-message.js';

/** The name of the bearer scheme, as `@ApiBearerAuth()` refers to it. */
export const BEARER = 'bearer';

/**
 * The OpenAPI document of every REST route the modules declare, from their controllers, DTOs and
 * response classes (nothing is written by hand here but the frame).
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('profile-service')
    .setDescription(
      "The caller's own data (profile, change history); wire-compatible with ZITADEL's auth API " +
        '(`zitadel.auth.v1.AuthService`), whose methods are also served over gRPC and gRPC-web. ' +
        'Bodies follow the protobuf JSON mapping: answers use lowerCamelCase names, uint64 as ' +
        'strings and leave out fields holding their zero value; requests also take the proto ' +
        '(snake_case) names and enums by number, and ignore unknown fields. Every error is a ' +
        '`google.rpc.Status` with the grpc-gateway HTTP status. Each `/auth/v1/users/me/…` ' +
        'operation is also served without the `/auth/v1` prefix.',
    )
    .setVersion('1')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'An access token of the configured issuer: a JWT, or an opaque token when introspection is configured. In development mode: `npm run --silent token -- <subject>`.',
      },
      BEARER,
    )
    .addTag('profile', "the caller's profile")
    .addTag('history', "the changes of the caller's profile")
    .addTag('health', 'probes, open without a token')
    .addTag('metrics', 'Prometheus metrics, open without a token')
    .build();
  return describeMessages(SwaggerModule.createDocument(app, config));
}

/**
 * `/openapi.json` and Swagger UI at `/docs`, whose assets (swagger-ui-dist) the service serves
 * itself: the page loads nothing from another origin.
 */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, createOpenApiDocument(app), {
    jsonDocumentUrl: 'openapi.json',
    customSiteTitle: 'profile-service API',
    swaggerOptions: {
      displayOperationId: true,
      // Swagger UI would otherwise ask an online validator about the document.
      validatorUrl: null,
    },
  });
}
