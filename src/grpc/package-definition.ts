import { type DescMethod, type DescService, fromBinary, toBinary } from '@bufbuild/protobuf';
import { type loadPackageDefinition, type MethodDefinition } from '@grpc/grpc-js';
import { ResourceExhaustedError } from '../common/errors/app-error.js';
import { EncodedRequest } from '../common/proto/encoded-request.js';

export type PackageDefinition = Parameters<typeof loadPackageDefinition>[0];

/** Largest request message: 4 MiB, gRPC's usual default. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * The grpc-js package definition of `services`, straight from their protobuf-es descriptors
 * (src/gen), so that gRPC runs on the same message runtime as REST and the Status details: no
 * second runtime loads proto/ at start. Nest's gRPC transport takes it as `packageDefinition`.
 *
 * Responses are encoded with `toBinary`. Requests are handed on as bytes (EncodedRequest) and
 * decoded only after the guard has checked the token (ProtoBodyInterceptor).
 */
export function packageDefinitionOf(services: readonly DescService[]): PackageDefinition {
  const definition: PackageDefinition = {};
  for (const service of services) {
    definition[service.typeName] = Object.fromEntries(
      service.methods.map((method) => [method.name, methodDefinition(method)]),
    );
  }
  return definition;
}

function methodDefinition(method: DescMethod): MethodDefinition<unknown, unknown> {
  const { input, output } = method;
  return {
    path: `/${method.parent.typeName}/${method.name}`,
    requestStream:
      method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
    responseStream:
      method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
    // Clients of this definition (tests) send messages; the server reads bytes.
    requestSerialize: (message) => Buffer.from(toBinary(input, message as never)),
    requestDeserialize: (bytes: Buffer) =>
      bytes.length > MAX_MESSAGE_BYTES
        ? EncodedRequest.refused(
            input,
            new ResourceExhaustedError(
              `invalid ${input.name}: the request is larger than ${MAX_MESSAGE_BYTES} bytes`,
            ),
          )
        : new EncodedRequest(input, bytes),
    responseSerialize: (message) => Buffer.from(toBinary(output, message as never)),
    responseDeserialize: (bytes) => fromBinary(output, bytes),
    originalName: method.localName,
  };
}
