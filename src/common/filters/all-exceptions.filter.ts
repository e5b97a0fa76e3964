import { Metadata } from '@grpc/grpc-js';
import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  Logger,
  MethodNotAllowedException,
  NotFoundException,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Request, Response } from 'express';
import { throwError, type Observable } from 'rxjs';
import { type Status } from '../../gen/google/rpc/status_pb.js';
import { AppError, RateLimitedError } from '../errors/app-error.js';
import { GrpcCode, httpStatusOf } from '../errors/grpc-code.js';
import { statusOf, statusToBinary, statusToJson } from '../errors/status.js';
import { translateError } from '../errors/translate-error.js';
import { routeLayers } from '../transport/express-routes.js';

/** The error a grpc-js server callback takes: code, message and trailing metadata. */
export interface GrpcServiceError extends Error {
  code: number;
  details: string;
  metadata: Metadata;
}

/**
 * The one exception filter of every transport: each error becomes a google.rpc.Status. HTTP
 * writes it as JSON with the grpc-gateway status; gRPC (and gRPC-web, which is proxied to gRPC)
 * gets the code, the message and the Status in the `grpc-status-details-bin` trailer.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | undefined {
    const error = translateError(this.refine(exception, host));
    this.log(exception, error);
    const status = statusOf(error);
    switch (host.getType()) {
      case 'http': {
        const res = host.switchToHttp().getResponse<Response>();
        if (res.headersSent) {
          res.end();
          return undefined;
        }
        if (error instanceof RateLimitedError) {
          res.setHeader('Retry-After', String(error.retryAfterSeconds));
        }
        res.status(error.httpStatus ?? httpStatusOf(error.code)).json(statusToJson(status));
        return undefined;
      }
      case 'rpc':
        return throwError(() => toGrpcServiceError(status));
      default:
        throw exception;
    }
  }

  /**
   * Nest answers 404 for a path it knows under another method; the contract wants 405 (code 12),
   * with the methods that are allowed.
   */
  private refine(exception: unknown, host: ArgumentsHost): unknown {
    if (!(exception instanceof NotFoundException) || host.getType() !== 'http') return exception;
    const http = host.switchToHttp();
    const methods = allowedMethods(this.adapterHost, http.getRequest<Request>().path);
    if (methods.length === 0) return exception;
    http.getResponse<Response>().setHeader('Allow', methods.join(', '));
    return new MethodNotAllowedException();
  }

  private log(exception: unknown, error: AppError): void {
    if (error.code === GrpcCode.INTERNAL) {
      this.logger.error(
        'unexpected error',
        exception instanceof Error ? exception.stack : String(exception),
      );
    } else if (error.code === GrpcCode.UNAVAILABLE) {
      this.logger.warn(`dependency unavailable: ${describe(exception)}`);
    }
  }
}

export function toGrpcServiceError(status: Status): GrpcServiceError {
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(statusToBinary(status)));
  return Object.assign(new Error(status.message), {
    code: status.code,
    details: status.message,
    metadata,
  });
}

function describe(exception: unknown): string {
  if (!(exception instanceof Error)) return String(exception);
  const cause = exception.cause instanceof Error ? `; cause: ${exception.cause.message}` : '';
  return `${exception.name}: ${exception.message}${cause}`;
}

/** The methods of the Express routes that match a path. */
function allowedMethods(adapterHost: HttpAdapterHost, path: string): string[] {
  const methods = new Set<string>();
  for (const layer of routeLayers(adapterHost)) {
    if (layer.route !== undefined && layer.match(path)) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') methods.add(method.toUpperCase());
      }
    }
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}
