import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReflectionService } from '@grpc/reflection';
import { type PackageDefinition } from '@grpc/proto-loader';
import { type Server } from '@grpc/grpc-js';
import { type GrpcOptions, Transport } from '@nestjs/microservices';
import { HealthImplementation } from 'grpc-health-check';
import { answerUnknownMethodsWithStatus } from './unimplemented-fallback.js';

/** The packages served over gRPC; each names its .proto file below proto/. */
export const GRPC_PACKAGES = [{ name: 'zitadel.auth.v1', file: 'zitadel/auth.proto' }] as const;

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
      onLoadPackageDefinition: (definition: PackageDefinition, server: Server) => {
        new ReflectionService(definition).addToServer(server);
        const health = new HealthImplementation({ '': 'SERVING' });
        for (const { name } of GRPC_PACKAGES) health.setStatus(`${name}.AuthService`, 'SERVING');
        health.addToServer(server);
        answerUnknownMethodsWithStatus(server);
      },
    },
  };
}
