import { type Server, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { UnimplementedError } from '../common/errors/app-error.js';
import { statusOf } from '../common/errors/status.js';
import { toGrpcServiceError } from '../common/filters/all-exceptions.filter.js';

interface HandlerLike {
  func: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => void;
  serialize: (value: Buffer) => Buffer;
  deserialize: (bytes: Buffer) => Buffer;
  type: 'unary';
  path: string;
}

/**
 * grpc-js answers an unknown method with UNIMPLEMENTED but without the google.rpc.Status trailer
 * that every error of this service carries. It looks handlers up in its `handlers` map, so a map
 * that answers unknown paths with a handler of our own gives those calls the same Status as every
 * other error (code 12 and the grpc-js message; over gRPC-web too, which is proxied here).
 * Relies on grpc-js internals (checked with 1.14): if they change, grpc-js's own answer remains.
 */
export function answerUnknownMethodsWithStatus(server: Server): void {
  const target = server as unknown as { handlers?: unknown };
  if (!(target.handlers instanceof Map)) return;
  const handlers = target.handlers as Map<string, unknown>;
  const withFallback = new (class extends Map<string, unknown> {
    override get(path: string): unknown {
      return super.get(path) ?? unimplementedHandler(path);
    }
  })(handlers);
  target.handlers = withFallback;
}

function unimplementedHandler(path: string): HandlerLike {
  const identity = (bytes: Buffer) => bytes;
  return {
    type: 'unary',
    path,
    serialize: identity,
    deserialize: identity,
    func: (_call, callback) => {
      const error = new UnimplementedError(`The server does not implement the method ${path}`);
      callback(toGrpcServiceError(statusOf(error)));
    },
  };
}
