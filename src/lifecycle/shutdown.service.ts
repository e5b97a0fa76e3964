import { Inject, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import type { Server as HttpServer } from 'node:http';
import { UnavailableError } from '../common/errors/app-error.js';
import { statusOf, statusToJson } from '../common/errors/status.js';
import { type AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type GrpcServerRef } from '../grpc/grpc.options.js';
import { Readiness } from '../health/readiness.service.js';

/**
 * The graceful shutdown of contract section 8, on every transport: readiness and gRPC health
 * turn at once; no new connection is accepted, and a new call on an open HTTP connection is
 * answered UNAVAILABLE; the calls in flight (REST, gRPC-web, gRPC) finish; within
 * SHUTDOWN_TIMEOUT_MS, after which what is still open is closed. The caller then closes the app
 * (the database) and exits.
 *
 * Nest's own shutdown hooks do not fit: they close the gRPC server with forceShutdown (calls in
 * flight are cancelled) and re-raise the signal, so the process ends killed by it (exit 143).
 */
@Injectable()
export class Shutdown {
  private readonly logger = new Logger('Shutdown');
  private readonly timeoutMs: number;
  private grpc: GrpcServerRef = { server: undefined };
  private draining: Promise<boolean> | undefined;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly readiness: Readiness,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    // What is left of SHUTDOWN_TIMEOUT_MS after the drain is for closing the app (the database).
    this.timeoutMs = config.shutdownTimeoutMs - Math.min(1000, config.shutdownTimeoutMs / 10);
  }

  /** The gRPC server to drain too (the app's transport, see createApp). */
  attachGrpc(ref: GrpcServerRef): void {
    this.grpc = ref;
  }

  /**
   * Express middleware, mounted first: once the shutdown has begun, a call that arrives on an
   * open connection is answered 503 UNAVAILABLE (liveness excepted), and every answer closes its
   * connection.
   */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (!this.readiness.isDraining) {
      next();
      return;
    }
    res.setHeader('connection', 'close');
    if (req.path === '/healthz') {
      next();
      return;
    }
    req.resume();
    res.status(503).json(statusToJson(statusOf(new UnavailableError())));
  };

  /** Drains every transport; resolves with whether everything finished in time. Idempotent. */
  drain(): Promise<boolean> {
    this.draining ??= this.run();
    return this.draining;
  }

  private async run(): Promise<boolean> {
    const started = Date.now();
    this.readiness.drain();
    this.logger.log(`shutting down: draining calls in flight (at most ${this.timeoutMs} ms)`);
    const http = this.adapterHost.httpAdapter.getHttpServer() as HttpServer;
    const grpc = this.grpc.server;
    const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
    // Connections become idle as their calls finish; close them as they do.
    const sweep = setInterval(() => http.closeIdleConnections(), 50);
    http.closeIdleConnections();
    const grpcClosed = new Promise<void>((resolve) => {
      if (grpc === undefined) resolve();
      else grpc.tryShutdown(() => resolve());
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timeoutMs);
    });
    const drained = await Promise.race([
      Promise.all([httpClosed, grpcClosed]).then(() => true as const),
      timedOut,
    ]);
    clearTimeout(timer);
    clearInterval(sweep);
    if (!drained) {
      this.logger.warn('calls still in flight at SHUTDOWN_TIMEOUT_MS: closing them');
      http.closeAllConnections();
      grpc?.forceShutdown();
    } else {
      this.logger.log(`drained in ${Date.now() - started} ms`);
    }
    return drained;
  }
}
