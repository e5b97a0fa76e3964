import { Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { type AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { createGrpcWebProxy, type GrpcWebMiddleware, type GrpcWebProxy } from './grpc-web.proxy.js';

/**
 * gRPC-web on the HTTP port, forwarded to the app's own gRPC port: one implementation of the
 * service rules, with the gRPC guard, validation and exception filter.
 */
@Injectable()
export class GrpcWebProxyService implements OnApplicationShutdown {
  private readonly proxy: GrpcWebProxy;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.proxy = createGrpcWebProxy({
      target: `http://127.0.0.1:${config.grpcPort}`,
      logger: new Logger('GrpcWeb'),
    });
  }

  get middleware(): GrpcWebMiddleware {
    return this.proxy.middleware;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.proxy.close();
  }
}

@Module({ providers: [GrpcWebProxyService], exports: [GrpcWebProxyService] })
export class GrpcWebModule {}
