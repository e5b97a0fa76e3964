import { type DescFile, type DescService } from '@bufbuild/protobuf';
import { type Server, type ServerInterceptor } from '@grpc/grpc-js';
import { type GrpcOptions, Transport } from '@nestjs/microservices';
import { file_google_rpc_error_details } from '../gen/google/rpc/error_details_pb.js';
import { file_google_rpc_status } from '../gen/google/rpc/status_pb.js';
import { file_zitadel_message } from '../gen/zitadel/message_pb.js';
import { type GrpcHealth } from './grpc-health.js';
import { MAX_MESSAGE_BYTES, packageDefinitionOf } from './package-definition.js';
import { reflectionService } from './reflection.js';
import {
  file_grpc_health_v1_health,
  file_grpc_reflection_v1_reflection,
  file_grpc_reflection_v1alpha_reflection,
} from './standard-services.js';
import { statusDetailsInterceptor } from './status-details.interceptor.js';
import { answerUnknownMethodsWithStatus } from './unimplemented-fallback.js';

/**
 * Files that reflection describes besides the served services: the types of the Status details
 * in `grpc-status-details-bin` (so a client that knows the API only through reflection can decode
 * an error), health checking and reflection itself.
 */
const ALSO_REFLECTED: readonly DescFile[] = [
  file_google_rpc_status,
  file_google_rpc_error_details,
  file_zitadel_message,
  file_grpc_health_v1_health,
  file_grpc_reflection_v1_reflection,
  file_grpc_reflection_v1alpha_reflection,
];

/** The grpc-js server of the transport, once Nest has made it (for a graceful shutdown). */
export interface GrpcServerRef {
  server: Server | undefined;
}

/**
 * The gRPC transport of the hybrid app: `services` (what the modules' `@GrpcRpc` handlers serve,
 * see GrpcServicesExplorer) on protobuf-es, plus the standard health service and server
 * reflection (both added straight to the grpc-js server, so no token is needed for them).
 */
export function grpcOptions(
  port: number,
  services: readonly DescService[],
  health: GrpcHealth,
  ref: GrpcServerRef = { server: undefined },
  /** Interceptors that come first, wrapping grpc-js's own call (CallObserver's). */
  edge: readonly ServerInterceptor[] = [],
): GrpcOptions {
  health.track(services.map((service) => service.typeName));
  return {
    transport: Transport.GRPC,
    options: {
      url: `0.0.0.0:${port}`,
      package: [...new Set(services.map((service) => service.file.proto.package))],
      packageDefinition: packageDefinitionOf(services),
      // grpc-js refuses a message over its limit before any handler runs (so before the token is
      // checked, and without the Status details): its limit is set well above the service's own
      // (MAX_MESSAGE_BYTES, enforced after the guard, see packageDefinitionOf).
      maxReceiveMessageLength: 4 * MAX_MESSAGE_BYTES,
      channelOptions: {
        // Passed by Nest to grpc-js's Server constructor, which takes its interceptors there.
        interceptors: [...edge, statusDetailsInterceptor],
        // Calls in flight on one connection; more are refused by HTTP/2 (REFUSED_STREAM).
        'grpc.max_concurrent_streams': 256,
      },
      // Nest calls this with the grpc-js server before it adds the services to it.
      onLoadPackageDefinition: (_definition: unknown, server: Server) => {
        ref.server = server;
        reflectionService([...services.map((s) => s.file), ...ALSO_REFLECTED]).addToServer(server);
        health.implementation.addToServer(server);
        answerUnknownMethodsWithStatus(server);
      },
    },
  };
}
