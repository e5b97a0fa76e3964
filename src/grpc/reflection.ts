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
 * What ReflectionService reads from a package definition: `fileDescriptorProtos` of each entry,
 * which it indexes by file name. The descriptors @grpc/proto-loader puts there are rebuilt by
 * protobufjs (files named after packages, no imports, relative type names, and camelCase field
 * names with keepCase:false), so reflection gets a definition of exact descriptors instead: the
 * FileDescriptorProtos that buf compiled from proto/ (embedded in src/gen by protoc-gen-es), with
 * their real file names, imports and proto field names.
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
