import { type DescMethod } from '@bufbuild/protobuf';
import { applyDecorators, HttpCode, UseInterceptors } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { GrpcMethod } from '@nestjs/microservices';
import { answerWith } from './proto-json.adapter.js';
import { ProtoBodyInterceptor } from './proto-body.interceptor.js';

/**
 * The mark that `@GrpcRpc` leaves on a handler: the protobuf-es descriptor of the method it
 * serves. The gRPC transport is built from the marked handlers of every module
 * (GrpcServicesExplorer), so a feature adds a gRPC method without editing a list elsewhere.
 */
export const GrpcRpcMarker = DiscoveryService.createDecorator<DescMethod>();

/**
 * Serves `method` (e.g. `AuthService.method.updateMyProfile` from src/gen) over gRPC and
 * gRPC-web: Nest's `@GrpcMethod` under the service's full name, plus the descriptor that the
 * transport (de)serialises the messages with. The handler gets the decoded request through
 * `@Payload()` (ProtoBodyInterceptor decodes it, after the guard) and returns a message of the
 * method's response type.
 */
export function GrpcRpc(method: DescMethod): MethodDecorator {
  return applyDecorators(
    GrpcMethod(method.parent.typeName, method.name),
    GrpcRpcMarker(method),
    UseInterceptors(new ProtoBodyInterceptor(method.input)),
  );
}

export interface HttpRpcOptions {
  /**
   * `'*'`: the request body is the whole request message (grpc-gateway's `body: "*"`), decoded
   * by the protobuf JSON mapping and handed to `@Body()`. Without it no body is read.
   */
  body?: '*';
}

export interface HttpRpcBinding {
  method: DescMethod;
  body: boolean;
}

/** The mark that `@HttpRpc` leaves on a route handler. */
export const HttpRpcMarker = Reflector.createDecorator<HttpRpcBinding>();

/**
 * A REST route that maps an RPC, as a grpc-gateway HTTP rule does: with `{ body: '*' }` the body
 * is decoded as `method.input` (after the guard has checked the token, see ProtoBodyInterceptor),
 * and the handler's answer, a message of `method.output`, is written in the protobuf JSON mapping
 * (ProtoJsonExpressAdapter) with HTTP 200, whatever the method (Nest would answer a POST with
 * 201; grpc-gateway does not). A route without a body has no interceptor at all.
 */
export function HttpRpc(method: DescMethod, options: HttpRpcOptions = {}): MethodDecorator {
  const body = options.body === '*';
  answerWith(method.output);
  return applyDecorators(
    HttpRpcMarker({ method, body }),
    HttpCode(200),
    ...(body ? [UseInterceptors(new ProtoBodyInterceptor(method.input))] : []),
  );
}
