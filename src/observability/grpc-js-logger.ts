import { setLogger } from '@grpc/grpc-js';
import { format } from 'node:util';
import { type AppLogger } from './logger.js';

/**
 * grpc-js writes its own lines (errors only, unless GRPC_VERBOSITY says more) with console.error,
 * as text. They go to the application's log instead, as JSON lines with `context: grpc-js`. A
 * metadata entry that grpc-js drops is named by its key only: its message would quote the value
 * (an authorization header, say).
 *
 * grpc-js has one logger per process: the app created last is the one it writes to.
 */
export function routeGrpcJsLogs(logger: AppLogger): void {
  const context = { context: 'grpc-js' };
  const line = (args: unknown[]): string => withoutMetadataValues(format(...args));
  setLogger({
    error: (...args: unknown[]) => logger.error(context, line(args)),
    info: (...args: unknown[]) => logger.info(context, line(args)),
    debug: (...args: unknown[]) => logger.debug(context, line(args)),
  });
}

/** "Failed to add metadata entry <key>: <value>. …": the value (and the rest, which quotes it) goes. */
export function withoutMetadataValues(message: string): string {
  return message.replace(
    /(Failed to add metadata entry [^:\s]*):[\s\S]*$/,
    '$1: the value is not valid metadata (not logged)',
  );
}
