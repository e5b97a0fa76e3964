import { type DescMethod } from '@bufbuild/protobuf';
import { Logger } from '@nestjs/common';
import { type ServerGrpc } from '@nestjs/microservices';
import {
  createGrpcWebMiddleware,
  type GrpcWebMethod,
  type GrpcWebMiddleware,
  type RpcHandler,
} from './grpc-web.handler.js';

/**
 * gRPC-web for `methods`, served by the Nest handlers that `server` (the app's gRPC transport)
 * serves them with. The handlers are registered when the app starts; they are looked up at the
 * first call and kept.
 */
export function grpcWebMiddleware(
  server: ServerGrpc,
  methods: readonly DescMethod[],
): GrpcWebMiddleware {
  let byPath: Map<string, GrpcWebMethod> | undefined;
  const resolve = (path: string): GrpcWebMethod | undefined => {
    byPath ??= methodsByPath(server, methods);
    return byPath.get(path);
  };
  return createGrpcWebMiddleware({ resolve, logger: new Logger('GrpcWeb') });
}

function methodsByPath(
  server: ServerGrpc,
  methods: readonly DescMethod[],
): Map<string, GrpcWebMethod> {
  // Nest keys a gRPC handler by its pattern, `{"service":…,"rpc":…,"streaming":…}` as JSON.
  const handlers = new Map<string, RpcHandler>();
  for (const [pattern, handler] of server.getHandlers()) {
    try {
      const { service, rpc } = JSON.parse(pattern) as { service?: unknown; rpc?: unknown };
      if (typeof service === 'string' && typeof rpc === 'string') {
        handlers.set(`/${service}/${rpc}`, handler);
      }
    } catch {
      // Not a gRPC pattern.
    }
  }
  const toObservable = (result: unknown) => server.transformToObservable(result);
  const byPath = new Map<string, GrpcWebMethod>();
  for (const method of methods) {
    const path = `/${method.parent.typeName}/${method.name}`;
    const handler = handlers.get(path);
    if (handler !== undefined && method.methodKind === 'unary') {
      byPath.set(path, { method, handler, toObservable });
    }
  }
  return byPath;
}
