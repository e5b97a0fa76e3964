import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DatabaseHealth } from '../database/database.module.js';
import { GrpcHealth } from '../grpc/grpc-health.js';

/** How often gRPC health is brought up to date with the database's reachability. */
const REFRESH_MS = 5000;

/**
 * Whether the service takes calls: the database answers (within 2 s) and no shutdown has begun.
 * `/readyz` asks at each probe; gRPC health follows it, refreshed every few seconds and at once
 * when the shutdown begins (contract section 8).
 */
@Injectable()
export class Readiness implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Readiness');
  private draining = false;
  private timer: NodeJS.Timeout | undefined;
  private lastReady: boolean | undefined;

  constructor(
    private readonly database: DatabaseHealth,
    private readonly grpcHealth: GrpcHealth,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.check(), REFRESH_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Ready now? Also brings gRPC health up to date. Never rejects. */
  async check(): Promise<boolean> {
    let ready = !this.draining;
    if (ready) {
      try {
        await this.database.ping();
      } catch (error) {
        ready = false;
        if (this.lastReady !== false) {
          this.logger.warn(`not ready: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
    // A shutdown that began while the database was asked wins.
    if (this.draining) ready = false;
    this.lastReady = ready;
    this.grpcHealth.set(ready);
    return ready;
  }

  /** The shutdown has begun: not ready from now on. */
  drain(): void {
    this.draining = true;
    clearInterval(this.timer);
    this.grpcHealth.set(false);
  }
}
