import { Injectable } from '@nestjs/common';
import { HealthImplementation } from 'grpc-health-check';

/**
 * The grpc.health.v1.Health service of the gRPC port: '' (the server) and every served service,
 * all SERVING or all NOT_SERVING, as the readiness of the service (Readiness) says.
 */
@Injectable()
export class GrpcHealth {
  readonly implementation = new HealthImplementation({ '': 'SERVING' });
  private services: readonly string[] = [];
  private serving = true;

  /** The services to report on (their full names, e.g. `zitadel.auth.v1.AuthService`). */
  track(services: readonly string[]): void {
    this.services = services;
    this.set(this.serving);
  }

  set(serving: boolean): void {
    this.serving = serving;
    const status = serving ? 'SERVING' : 'NOT_SERVING';
    for (const name of ['', ...this.services]) this.implementation.setStatus(name, status);
  }
}
