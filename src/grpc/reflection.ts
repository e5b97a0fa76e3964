import { toBinary, type DescFile } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { ReflectionService } from '@grpc/reflection';
import { type PackageDefinition } from '@grpc/proto-loader';

/** The given files and, transitively, the files they import; each once, imports first. */
export function withDependencies(files: readonly DescFile[]): DescFile[] {
  const ordered: DescFile[] = [];
  const seen = new Set<string>();
  const visit = (file: DescFile): void => {
    if (seen.has(file.proto.name)) return;
    seen.add(file.proto.name);
    file.dependencies.forEach(visit);
    ordered.push(file);
  };
  files.forEach(visit);
  return ordered;
}

/**
 * What @grpc/reflection's ReflectionService reads from a package definition (in
 * @grpc/proto-loader's shape): the `fileDescriptorProtos` of each entry, indexed by file name.
 * Its entries here are the FileDescriptorProtos that buf compiled from proto/ (embedded in src/gen
 * by protoc-gen-es, the same descriptors the gRPC transport is built from), with their real file
 * names, imports and proto field names.
 */
export function reflectionPackageDefinition(files: readonly DescFile[]): PackageDefinition {
  const definition: Record<string, unknown> = {};
  for (const file of withDependencies(files)) {
    definition[file.proto.name] = {
      format: 'Protocol Buffer 3 FileDescriptorProto',
      type: {},
      fileDescriptorProtos: [Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto))],
    };
  }
  return definition as PackageDefinition;
}

/** gRPC server reflection (v1 and v1alpha) describing exactly these files and their imports. */
export function reflectionService(files: readonly DescFile[]): ReflectionService {
  return new ReflectionService(reflectionPackageDefinition(files));
}
