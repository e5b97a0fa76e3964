import { type DescMessage } from '@bufbuild/protobuf';
import { type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { type Observable } from 'rxjs';
import { EncodedRequest } from './encoded-request.js';
import { decodeProtoJson, readBody } from './proto-json.js';

/**
 * Request messages, for every transport, at the place in Nest's pipeline where the caller is
 * known: interceptors run after the guards and before the pipes, so a body is decoded only once
 * the token has been checked, and `@Body()` / `@Payload()` (with the global ValidationPipe)
 * receive the decoded message. The decorators bind one, for the method's request message
 * (`input`), where there is something to decode:
 *
 * - REST routes marked `@HttpRpc(method, { body: '*' })`: the body (at most 64 KiB, no body
 *   parser runs before) is decoded by the protobuf JSON mapping into `request.body`. (The answer
 *   is written by ProtoJsonExpressAdapter.)
 * - gRPC methods (`@GrpcRpc`, gRPC-web included): the transport hands over the bytes
 *   (EncodedRequest), decoded here into the message the handler's `@Payload()` reads, whether or
 *   not the handler reads it (a request that is not a valid encoding is refused either way).
 */
export class ProtoBodyInterceptor implements NestInterceptor {
  constructor(private readonly input: DescMessage) {}

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

  private async http(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<Request>();
    const bytes = await readBody(request, this.input.name);
    request.body = decodeProtoJson(this.input, bytes);
    return next.handle();
  }
}
