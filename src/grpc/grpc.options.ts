import { type DescFile, type DescService } from '@bufbuild/protobuf';
import { type Server } from '@grpc/grpc-js';
import { type GrpcOptions, Transport } from '@nestjs/microservices';
import { file_google_rpc_error_details } from '../gen/google/rpc/error_details_pb.js';
import { file_google_rpc_status } from '../gen/google/rpc/status_pb.js';
import { file_zitadel_message } from '../gen/zitadel/message_pb.js';
import { type GrpcHealth } from './grpc-health.js';
import { packageDefinitionOf } from './package-definition.js';
import { reflectionService } from './reflection.js';
import {
  file_grpc_health_v1_health,
  file_grpc_reflection_v1_reflection,
  file_grpc_reflection_v1alpha_reflection,
} from './standard-services.js';
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
): GrpcOptions {
  health.track(services.map((service) => service.typeName));
  return {
    transport: Transport.GRPC,
    options: {
      url: `0.0.0.0:${port}`,
      package: [...new Set(services.map((service) => service.file.proto.package))],
      packageDefinition: packageDefinitionOf(services),
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
