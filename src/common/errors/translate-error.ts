import { HttpException, HttpStatus } from '@nestjs/common';
import {
  AppError,
  InvalidArgumentError,
  MethodNotAllowedError,
  NotFoundError,
  UnavailableError,
} from './app-error.js';
import { GrpcCode } from './grpc-code.js';

/** Unexpected failures reach clients only as this: no SQL, no stack, no internals. */
export class InternalError extends AppError {
  readonly code = GrpcCode.INTERNAL;
  constructor(cause: unknown) {
    super('internal error', { cause });
  }
}

/**
 * Maps anything thrown to the AppError shown to the client. Nest's own HTTP exceptions only come
 * from the framework (routing): the application itself throws AppErrors.
 */
export function translateError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof HttpException) return fromHttpException(error);
  if (isUnavailable(error)) return new UnavailableError(error);
  return new InternalError(error);
}

function fromHttpException(error: HttpException): AppError {
  switch (error.getStatus() as HttpStatus) {
    case HttpStatus.NOT_FOUND:
      return new NotFoundError(undefined, 'Not Found');
    case HttpStatus.METHOD_NOT_ALLOWED:
      return new MethodNotAllowedError();
    case HttpStatus.BAD_REQUEST:
      return new InvalidArgumentError('request body is not valid');
    default:
      return new InternalError(error);
  }
}

/** Node socket errors that mean the database (or a peer) cannot be reached. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EPIPE',
]);

/**
 * Whether an error means the database is unreachable: a network error, a connection or query
 * timeout of node-postgres, or a PostgreSQL connection-class SQLSTATE (08xxx, 57P01-57P03, 53300).
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function isUnavailable(error: unknown): boolean {
  // Duck-typed, not `instanceof Error`: socket errors may come from another realm (e.g. Jest's vm).
  let e: unknown = error;
  for (let depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const { code, message, driverError, cause } = e as {
      code?: unknown;
      message?: unknown;
      driverError?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string') {
      if (NETWORK_ERROR_CODES.has(code)) return true;
      if (code.startsWith('08') || /^57P0[123]$/.test(code) || code === '53300') return true;
    }
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
    e = driverError ?? cause;
  }
  return false;
}

/** node-postgres reports its own timeouts and lost connections without a code. */
const UNAVAILABLE_MESSAGE =
  /connection terminated|connection timeout|timeout exceeded when trying to connect|query read timeout|connect ECONNREFUSED/i;
