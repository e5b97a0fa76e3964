import { type ExecutionContext } from '@nestjs/common';
import { type Caller } from './caller.js';

/** The request-like object passport reads the token from and writes the caller to. */
export interface AuthRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: Caller;
}

interface MetadataLike {
  get(key: string): unknown[];
}

const rpcRequests = new WeakMap<object, AuthRequest>();

/**
 * The AuthRequest of a call on any transport. gRPC has no request object, so one is made from
 * the call's metadata (once per call, so the guard and the handler see the same one).
 */
export function authRequestOf(context: ExecutionContext): AuthRequest {
  if (context.getType() === 'rpc') {
    const metadata = context.switchToRpc().getContext<MetadataLike>();
    let request = rpcRequests.get(metadata);
    if (request === undefined) {
      const [authorization] = metadata.get('authorization');
      request = {
        headers: { authorization: typeof authorization === 'string' ? authorization : undefined },
      };
      rpcRequests.set(metadata, request);
    }
    return request;
  }
  return context.switchToHttp().getRequest<AuthRequest>();
}

/**
 * The client's address: the socket's peer for HTTP (REST, gRPC-web: no proxy header is trusted),
 * grpc-js's `call.getPeer()` for gRPC (`ipv4:127.0.0.1:5000`, `ipv6:[::1]:5000`), without port.
 */
export function peerAddressOf(context: ExecutionContext): string {
  if (context.getType() === 'rpc') {
    const call = context.getArgByIndex<{ getPeer?: () => string } | undefined>(2);
    const peer = typeof call?.getPeer === 'function' ? call.getPeer() : '';
    const match = /^(?:ipv4:|ipv6:)?\[?([^\]]*?)\]?(?::\d+)?$/.exec(peer);
    return match?.[1] ?? peer;
  }
  return (
    context.switchToHttp().getRequest<{ socket?: { remoteAddress?: string } }>().socket
      ?.remoteAddress ?? ''
  );
}
