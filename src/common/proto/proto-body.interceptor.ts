import { type DescMessage, type Message, toJson } from '@bufbuild/protobuf';
import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { map, type Observable } from 'rxjs';
import { EncodedRequest } from './encoded-request.js';
import { decodeProtoJson, readBody } from './proto-json.js';
import { httpRpcOf } from './rpc.decorators.js';

/**
 * Request and response messages, for every transport, at the place in Nest's pipeline where the
 * caller is known: interceptors run after the guards and before the pipes, so a body is decoded
 * only once the token has been checked, and `@Body()` / `@Payload()` (with the global
 * ValidationPipe) receive the decoded message.
 *
 * - REST routes marked `@HttpRpc(method, { body: '*' })`: the body (at most 64 KiB, no body
 *   parser runs before) is decoded as `method.input` by the protobuf JSON mapping into
 *   `request.body`; the handler's answer, a `method.output` message, is written as its JSON.
 * - gRPC (and gRPC-web, proxied to it): the transport hands over the bytes (EncodedRequest),
 *   decoded here into the message the handler's `@Payload()` reads.
 */
@Injectable()
export class ProtoBodyInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(
    context: ExecutionContext,
    next: CallHandler,
  ): Observable<unknown> | Promise<Observable<unknown>> {
    switch (context.getType()) {
      case 'http':
        return this.http(context, next);
      case 'rpc': {
        // The handler's arguments: (data, metadata, call). Replacing the data here is what the
        // pipes and `@Payload()` see, since Nest hands the same array on.
        const args = context.getArgs<unknown[]>();
        if (args[0] instanceof EncodedRequest) args[0] = args[0].decode();
        return next.handle();
      }
      default:
        return next.handle();
    }
  }

  /** Synchronous unless there is a body to read: most calls (GET) do not pay for a promise. */
  private http(
    context: ExecutionContext,
    next: CallHandler,
  ): Observable<unknown> | Promise<Observable<unknown>> {
    const rpc = httpRpcOf(this.reflector, context);
    if (rpc === undefined) return next.handle();
    const output: DescMessage = rpc.method.output;
    const answer = () => next.handle().pipe(map((message) => toJson(output, message as Message)));
    if (!rpc.body) return answer();
    const request = context.switchToHttp().getRequest<Request>();
    return readBody(request, rpc.method.input.name).then((bytes) => {
      request.body = decodeProtoJson(rpc.method.input, bytes);
      return answer();
    });
  }
}
