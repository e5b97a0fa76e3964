import { type LoggerService } from '@nestjs/common';
import { type Level } from 'pino';
import { type AppLogger, errorFields } from './logger.js';

/** A string that is a stack trace (Nest passes one as `error(message, stack, context)`). */
const STACK = /\n\s+at /;

/**
 * Nest's logging (its own start-up and error lines, and every `new Logger(context)` of the
 * application) as JSON lines of the application's pino logger: `log` is info, `verbose` trace,
 * the context a field. Nest appends the context as the last string argument; `error` may carry a
 * stack before it.
 */
export class NestLogger implements LoggerService {
  constructor(private readonly logger: AppLogger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: { context?: string; stack?: string; error?: ReturnType<typeof errorFields> } = {};
    const last = params.at(-1);
    let rest = params;
    if (typeof last === 'string' && !(params.length === 1 && STACK.test(last))) {
      fields.context = last;
      rest = params.slice(0, -1);
    }
    for (const param of rest) {
      if (typeof param === 'string' && STACK.test(param)) fields.stack = param;
      else if (param instanceof Error) fields.error = errorFields(param);
    }
    if (message instanceof Error) {
      fields.error = errorFields(message);
      this.logger[level](fields, message.message);
    } else {
      this.logger[level](fields, typeof message === 'string' ? message : describe(message));
    }
  }
}

/** A non-string message, briefly: Nest logs strings; anything else is named, not dumped. */
function describe(message: unknown): string {
  if (message === null || typeof message !== 'object') return String(message);
  return `[${message.constructor?.name ?? 'object'}]`;
}
