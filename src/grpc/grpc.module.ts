import { type DescMethod, type DescService } from '@bufbuild/protobuf';
import { Global, Injectable, Module } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner } from '@nestjs/core';
import { GrpcRpcMarker } from '../common/proto/rpc.decorators.js';
import { GrpcHealth } from './grpc-health.js';

/**
 * Finds what the modules serve over gRPC: the handlers marked `@GrpcRpc(method)` in every
 * controller. The gRPC transport, reflection and health are built from this, so a feature adds a
 * method or a service without editing a list here.
 */
@Injectable()
export class GrpcServicesExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  /** Every method with a handler, in the order the modules and their controllers come. */
  methods(): DescMethod[] {
    const methods: DescMethod[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const prototype = (wrapper.metatype as { prototype?: object } | null)?.prototype;
      if (wrapper.instance === undefined || prototype === undefined) continue;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = this.discovery.getMetadataByDecorator(GrpcRpcMarker, wrapper, name);
        if (method !== undefined) methods.push(method);
      }
    }
    return methods;
  }

  /** The services those methods belong to, each once. */
  services(): DescService[] {
    return [...new Set(this.methods().map((method) => method.parent))];
  }
}

@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [GrpcServicesExplorer, GrpcHealth],
  exports: [GrpcServicesExplorer, GrpcHealth],
})
export class GrpcModule {}
