import { createRegistry } from '@bufbuild/protobuf';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type PackageDefinition } from '@grpc/proto-loader';
import { type Server } from '@grpc/grpc-js';
import { type GrpcOptions, Transport } from '@nestjs/microservices';
import { HealthImplementation } from 'grpc-health-check';
import { file_zitadel_auth } from '../gen/zitadel/auth_pb.js';
import { reflectionService } from './reflection.js';
import { decodeRequestsSafely } from './request-decoding.js';
import {
  file_grpc_health_v1_health,
  file_grpc_reflection_v1_reflection,
  file_grpc_reflection_v1alpha_reflection,
} from './standard-services.js';
import { answerUnknownMethodsWithStatus } from './unimplemented-fallback.js';

/**
 * The packages served over gRPC; each names its .proto file below proto/ and that file's
 * descriptor as buf compiled it (src/gen), which reflection serves and requests are checked with.
 */
export const GRPC_PACKAGES = [
  { name: 'zitadel.auth.v1', file: 'zitadel/auth.proto', descriptor: file_zitadel_auth },
] as const;

/** The files reflection describes: the packages served, health checking and reflection itself. */
export const REFLECTED_FILES = [
  ...GRPC_PACKAGES.map((p) => p.descriptor),
  file_grpc_health_v1_health,
  file_grpc_reflection_v1_reflection,
  file_grpc_reflection_v1alpha_reflection,
];

/**
 * proto/ beside the compiled code (dist/proto, copied there as nest-cli assets) or, when running
 * from source (tests), at the repository root.
 */
export function protoDir(): string {
  const candidates = [
    fileURLToPath(new URL('../proto', import.meta.url)),
    fileURLToPath(new URL('../../proto', import.meta.url)),
  ];
  const found = candidates.find((dir) => existsSync(join(dir, GRPC_PACKAGES[0].file)));
  if (found === undefined) throw new Error(`proto files not found in ${candidates.join(' or ')}`);
  return found;
}

/**
 * The gRPC transport of the hybrid app: the services of proto/, plus the standard health
 * service and server reflection (both added straight to the grpc-js server, so no token is
 * needed for them).
 */
export function grpcOptions(port: number): GrpcOptions {
  const dir = protoDir();
  return {
    transport: Transport.GRPC,
    options: {
      url: `0.0.0.0:${port}`,
      package: GRPC_PACKAGES.map((p) => p.name),
      protoPath: GRPC_PACKAGES.map((p) => join(dir, p.file)),
      loader: {
        includeDirs: [dir],
        keepCase: false,
        longs: String,
        enums: Number,
        defaults: true,
        oneofs: true,
      },
      // Nest calls this with the loaded definition before it builds the services from it
      // (ServerGrpc.loadProto), so the request deserializers replaced here are the ones served.
      onLoadPackageDefinition: (definition: PackageDefinition, server: Server) => {
        decodeRequestsSafely(definition, createRegistry(...GRPC_PACKAGES.map((p) => p.descriptor)));
        reflectionService(REFLECTED_FILES).addToServer(server);
        const health = new HealthImplementation({ '': 'SERVING' });
        for (const { name } of GRPC_PACKAGES) health.setStatus(`${name}.AuthService`, 'SERVING');
        health.addToServer(server);
        answerUnknownMethodsWithStatus(server);
      },
    },
  };
}
