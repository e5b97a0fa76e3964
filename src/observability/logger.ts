// The application's log: pino, one JSON object per line on stdout (contract section 8).
//
// Why not nestjs-pino (+ pino-http): its releases for Nest 12 (5.x) need Node 22.12 or later, and
// this service runs on Node 20 too; its 4.x line stops at Nest 11. pino-http would also make a
// child logger per request and cover HTTP only, while every transport here ends its calls in one
// hook of its own (CallObserver). So: pino itself, and a small LoggerService (NestLogger) that
// gives Nest's own lines to it.
import { type DestinationStream, type Logger, pino } from 'pino';
import { currentCall } from '../common/call-context.js';
import { type LogLevel } from '../config/config.js';

/** Injection token of the application's pino logger. */
export const LOG = Symbol('LOG');

export type AppLogger = Logger;

/**
 * Paths of a logged object that are never written, whatever a future log call passes: a second
 * line of defence. The first is that nothing logs a request or response body, a header or a
 * metadata value other than the request id, or an error's own properties (see errorFields).
 */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'metadata.authorization',
  'token',
  'accessToken',
  'password',
  'secret',
  'clientSecret',
  'privateKey',
  'key',
];

/** Log lines are written to stdout in blocks of this size... */
const LOG_BLOCK_BYTES = 8 * 1024;
/** ...or after this long, whichever comes first. */
const LOG_FLUSH_MS = 100;

/**
 * The root logger: `level` (LOG_LEVEL), ISO times, level names (`"level":"info"`), the call's
 * request id on every line written while serving it (from the call context, so code that logs
 * needs no request object), to `destination` (tests), else stdout.
 *
 * stdout is written asynchronously and in blocks (pino's sonic-boom with `sync: false` and
 * `minLength`): lines are gathered until LOG_BLOCK_BYTES or LOG_FLUSH_MS, whichever comes first,
 * so under load one write carries tens of lines instead of a few (each write is a trip through
 * libuv's thread pool: docs/performance.md); what is still buffered is written out synchronously
 * when the process exits.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): AppLogger {
  return pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      mixin: () => {
        const requestId = currentCall()?.requestId;
        return requestId === undefined ? {} : { requestId };
      },
    },
    destination ??
      pino.destination({
        dest: 1,
        sync: false,
        minLength: LOG_BLOCK_BYTES,
        periodicFlush: LOG_FLUSH_MS,
      }),
  );
}

/**
 * What of an error is logged: its name, message and stack, never its own properties, which may
 * hold what must not be written (TypeORM's QueryFailedError keeps the statement's parameters,
 * a fetch error the request). Logged as `error`, not `err`: pino's own `err` serializer would
 * copy every property of an Error.
 */
export function errorFields(error: unknown): { type: string; message: string; stack?: string } {
  if (error instanceof Error) {
    return error.stack === undefined
      ? { type: error.name, message: error.message }
      : { type: error.name, message: error.message, stack: error.stack };
  }
  return { type: typeof error, message: String(error) };
}
