import { type DescMethod } from '@bufbuild/protobuf';
import { applyDecorators, type ExecutionContext, HttpCode } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { GrpcMethod } from '@nestjs/microservices';

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
 * `@Payload()` and returns a message of the method's response type.
 */
export function GrpcRpc(method: DescMethod): MethodDecorator {
  return applyDecorators(GrpcMethod(method.parent.typeName, method.name), GrpcRpcMarker(method));
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
 * with HTTP 200, whatever the method (Nest would answer a POST with 201; grpc-gateway does not).
 */
export function HttpRpc(method: DescMethod, options: HttpRpcOptions = {}): MethodDecorator {
  return applyDecorators(HttpRpcMarker({ method, body: options.body === '*' }), HttpCode(200));
}

/** The RPC a REST route maps, if it is marked with `@HttpRpc`. */
export function httpRpcOf(
  reflector: Reflector,
  context: ExecutionContext,
): HttpRpcBinding | undefined {
  return reflector.get(HttpRpcMarker, context.getHandler());
}
