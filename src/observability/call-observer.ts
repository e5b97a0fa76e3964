import { type DescService } from '@bufbuild/protobuf';
import {
  Metadata,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  ServerInterceptingCall,
  status as GrpcStatus,
} from '@grpc/grpc-js';
import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { type CallContext, runInCall, type Transport } from '../common/call-context.js';
import { Deadline } from '../common/deadline.js';
import { acceptRequestId, REQUEST_ID } from '../common/request-id.js';
import { routeLayers } from '../common/transport/express-routes.js';
import { type AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { GrpcServicesExplorer } from '../grpc/grpc.module.js';
import {
  file_grpc_health_v1_health,
  file_grpc_reflection_v1_reflection,
  file_grpc_reflection_v1alpha_reflection,
} from '../grpc/standard-services.js';
import { isGrpcWebRequest } from '../grpc-web/grpc-web.handler.js';
import { type AppLogger, LOG } from './logger.js';
import { Metrics } from './metrics.js';

/** The operation label of a call to no known route or method: never the raw path. */
export const UNMATCHED = 'unmatched';

/** The message of the one line each call logs when it ends. */
export const CALL_ENDED = 'call ended';

/** nginx's "client closed request", the HTTP status of CANCELLED in the contract's table. */
const CLIENT_CLOSED = 499;

/** Longest part of an unknown path written in a log line (it is the client's, not ours). */
const MAX_LOGGED_PATH = 200;

/** A call as the edge of its transport opened it. */
export interface ObservedCall extends CallContext {
  readonly requestId: string;
  readonly transport: Transport;
  /** performance.now() when the call arrived. */
  readonly startedAt: number;
}

/** The fields of a call's line (besides time, level, pid, hostname and msg). */
export interface CallLine {
  requestId: string;
  transport: Transport;
  /** `GET /auth/v1/users/me/profile` (rest), `zitadel.auth.v1.AuthService/GetMyProfile` (grpc, grpc-web), or `unmatched`. */
  operation: string;
  /** The HTTP status (rest) or the gRPC status code (grpc, grpc-web). */
  status: number;
  durationMs: number;
  subject?: string;
  /** The path asked for, when it matched nothing (without its query). */
  path?: string;
}

/**
 * Where every call of every transport starts and ends (contract section 8), one place per
 * transport, each before anything else of that transport runs (so calls refused by the guard, the
 * rate limit, the shutdown or the HTTP hardening are seen too):
 *
 * - REST and gRPC-web (the HTTP port): `http`, the first Express middleware; the call ends on the
 *   response's 'close' event (after the answer is written, or when the client went away).
 *   gRPC-web answers with HTTP 200 whatever the outcome: its middleware writes the call's gRPC
 *   status on the call context (CallContext.grpcStatus).
 * - gRPC: `grpc`, the first grpc-js server interceptor (unknown methods too, see
 *   unimplemented-fallback.ts); the call ends when its HTTP/2 stream closes, with the status it
 *   sent.
 * - What the HTTP server answers by itself, before Express (malformed requests, headers too
 *   large, slow clients): `refusedByHttpServer`, called by hardenHttpServer.
 *
 * Each edge takes or makes the request id (acceptRequestId), sends it back (`x-request-id` header,
 * or gRPC initial metadata), and runs the rest of the call inside its CallContext, which the guard
 * completes with the subject and the log lines written meanwhile carry the id of. When the call
 * ends, `ended` writes its one log line and its metrics, from the same values: the two never
 * disagree.
 */
@Injectable()
export class CallObserver {
  private grpcOperations: Map<string, string> | undefined;
  private grpcWebOperations: Map<string, string> | undefined;
  /** How long a call may wait for the database in all (DATABASE_QUERY_TIMEOUT_MS), from its start. */
  private readonly budgetMs: number;

  constructor(
    @Inject(LOG) private readonly logger: AppLogger,
    private readonly metrics: Metrics,
    private readonly adapterHost: HttpAdapterHost,
    private readonly explorer: GrpcServicesExplorer,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.budgetMs = config.database.queryTimeoutMs;
  }

  /** Express middleware, mounted first on the HTTP port: REST and gRPC-web calls. */
  readonly http = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const call: ObservedCall = {
      requestId: acceptRequestId(req.headers[REQUEST_ID]),
      transport: isGrpcWebRequest(req) ? 'grpc-web' : 'rest',
      startedAt: performance.now(),
      // A gRPC-web call's own deadline (grpc-timeout) is applied by its handler, once it is read.
      deadline: Deadline.after(this.budgetMs),
    };
    res.setHeader(REQUEST_ID, call.requestId);
    res.once('close', () => this.httpEnded(req, res, call));
    runInCall(call, next);
  };

  /**
   * The grpc-js server interceptor of the gRPC port; first in the list, so that it wraps grpc-js's
   * own call (whose HTTP/2 stream tells how the call ended).
   */
  readonly grpc: ServerInterceptor = (method, next) => {
    const startedAt = performance.now();
    const operation = this.grpcOperationOf(method.path);
    let call: ObservedCall | undefined;
    const open = (metadata?: Metadata): ObservedCall =>
      (call ??= {
        requestId: acceptRequestId(metadata?.get(REQUEST_ID)),
        transport: 'grpc',
        startedAt,
        // The client's deadline, when it is sooner than the budget.
        deadline: Deadline.after(this.budgetMs).before(deadlineOf(next)),
      });
    let sentStatus: number | undefined;
    let headersSent = false;
    let ended = false;
    const end = (code: number): void => {
      if (ended) return;
      ended = true;
      this.ended(open(), operation, code, operation === UNMATCHED ? method.path : undefined);
    };
    const stream = http2StreamOf(next);
    stream?.once('close', () => end(statusSentOn(stream) ?? sentStatus ?? GrpcStatus.CANCELLED));
    const intercepting: ServerInterceptingCall = new ServerInterceptingCall(next, {
      start: (startNext) =>
        startNext({
          // The handler runs from these callbacks: inside them, it runs in the call's context.
          onReceiveMetadata: (metadata, nextMetadata) =>
            runInCall(open(metadata), () => nextMetadata(metadata)),
          onReceiveMessage: (message, nextMessage) => runInCall(open(), () => nextMessage(message)),
          onReceiveHalfClose: (nextHalfClose) => runInCall(open(), nextHalfClose),
          // grpc-js calls it when the call is over, however it ended; the stream's 'close'
          // (above) is what counts, this is in case grpc-js no longer lets the stream be seen.
          onCancel: () => {
            if (stream === undefined) end(sentStatus ?? cancelledOrExpired(next));
          },
        }),
      sendMetadata: (metadata, nextMetadata) => {
        headersSent = true;
        metadata.set(REQUEST_ID, open().requestId);
        nextMetadata(metadata);
      },
      sendStatus: (status, nextStatus) => {
        sentStatus = status.code;
        // An error alone would be a trailers-only answer, without initial metadata: the request
        // id goes in headers sent just before it.
        if (!headersSent) intercepting.sendMetadata(new Metadata());
        nextStatus(status);
      },
    });
    return intercepting;
  };

  /**
   * A request that the HTTP server answered itself, before any middleware (hardenHttpServer): it
   * is logged and counted like any call (no route, no subject; the time it took is not known, 0).
   * Returns the request id for the answer's headers.
   */
  readonly refusedByHttpServer = (httpStatus: number, requestIdHeader?: unknown): string => {
    const call: ObservedCall = {
      requestId: acceptRequestId(requestIdHeader),
      transport: 'rest',
      startedAt: performance.now(),
    };
    this.ended(call, UNMATCHED, httpStatus);
    return call.requestId;
  };

  private httpEnded(req: IncomingMessage, res: ServerResponse, call: ObservedCall): void {
    const path = pathOf(req);
    const answered = res.writableFinished;
    if (call.transport === 'grpc-web') {
      const operation = this.grpcWebOperationOf(path);
      const code =
        call.grpcStatus ?? (answered ? grpcCodeOfHttpStatus(res.statusCode) : GrpcStatus.CANCELLED);
      this.ended(call, operation, code, operation === UNMATCHED ? path : undefined);
      return;
    }
    const route = this.routeOf(req, path);
    const operation = route === undefined ? UNMATCHED : `${req.method ?? 'GET'} ${route}`;
    this.ended(
      call,
      operation,
      answered ? res.statusCode : CLIENT_CLOSED,
      route === undefined ? path : undefined,
    );
  }

  /** One call ended: its log line and its metrics, from the same values. */
  private ended(call: ObservedCall, operation: string, status: number, path?: string): void {
    const ms = performance.now() - call.startedAt;
    this.metrics.record(call.transport, operation, status, ms / 1000);
    if (!this.logger.isLevelEnabled('info')) return;
    const line: CallLine = {
      requestId: call.requestId,
      transport: call.transport,
      operation,
      status,
      durationMs: Math.round(ms * 1000) / 1000,
    };
    if (call.subject !== undefined) line.subject = call.subject;
    if (path !== undefined) line.path = path.slice(0, MAX_LOGGED_PATH);
    this.logger.info(line, CALL_ENDED);
  }

  /**
   * The route pattern that served the request (Express sets `req.route`), or, for a request
   * answered before routing (a shutdown refusal, a CORS preflight, a wrong method), the route
   * its path belongs to.
   */
  private routeOf(req: IncomingMessage, path: string): string | undefined {
    const served = (req as { route?: { path?: unknown } }).route?.path;
    if (typeof served === 'string') return served;
    for (const layer of routeLayers(this.adapterHost)) {
      if (layer.match(path) && typeof layer.route?.path === 'string') return layer.route.path;
    }
    return undefined;
  }

  /** `zitadel.auth.v1.AuthService/GetMyProfile` for a served method, else UNMATCHED. */
  private grpcOperationOf(path: string): string {
    this.grpcOperations ??= operationsOf([
      ...this.explorer.services(),
      ...file_grpc_health_v1_health.services,
      ...file_grpc_reflection_v1_reflection.services,
      ...file_grpc_reflection_v1alpha_reflection.services,
    ]);
    return this.grpcOperations.get(path) ?? UNMATCHED;
  }

  /** The same for gRPC-web, which serves the unary methods of the modules. */
  private grpcWebOperationOf(path: string): string {
    this.grpcWebOperations ??= new Map(
      this.explorer
        .methods()
        .filter((method) => method.methodKind === 'unary')
        .map((method) => {
          const name = `${method.parent.typeName}/${method.name}`;
          return [`/${name}`, name];
        }),
    );
    return this.grpcWebOperations.get(path) ?? UNMATCHED;
  }
}

function operationsOf(services: readonly DescService[]): Map<string, string> {
  const operations = new Map<string, string>();
  for (const service of services) {
    for (const method of service.methods) {
      const name = `${service.typeName}/${method.name}`;
      operations.set(`/${name}`, name);
    }
  }
  return operations;
}

/** The path as the client sent it, without the query (which may hold anything). */
function pathOf(req: IncomingMessage): string {
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * The gRPC code a client reads from an HTTP status without a gRPC status (a gRPC-web call
 * answered outside gRPC-web, e.g. refused during a shutdown), as gRPC maps it:
 * https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md
 */
export function grpcCodeOfHttpStatus(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}

/** What is read of Node's ServerHttp2Stream (its sent headers are undefined until sent). */
interface Http2StreamLike {
  once(event: 'close', listener: () => void): unknown;
  respond(...args: never[]): unknown;
  readonly sentHeaders?: OutgoingHttpHeaders;
  readonly sentTrailers?: OutgoingHttpHeaders;
}

/**
 * The HTTP/2 stream of grpc-js's own server call (BaseServerInterceptingCall's `stream`: grpc-js
 * internals, checked with 1.14; test/e2e/observability.e2e.spec.ts fails if it goes). Without it,
 * the statuses grpc-js sends itself (an invalid grpc-timeout, a deadline) are not seen.
 */
function http2StreamOf(call: ServerInterceptingCallInterface): Http2StreamLike | undefined {
  const stream = (call as { stream?: Partial<Http2StreamLike> }).stream;
  return typeof stream?.once === 'function' && typeof stream.respond === 'function'
    ? (stream as Http2StreamLike)
    : undefined;
}

/** The grpc-status a closed stream sent: in its trailers, or in its headers (trailers-only). */
function statusSentOn(stream: Http2StreamLike): number | undefined {
  const value = stream.sentTrailers?.['grpc-status'] ?? stream.sentHeaders?.['grpc-status'];
  const code = Number(value);
  return value === undefined || !Number.isInteger(code) ? undefined : code;
}

function cancelledOrExpired(call: ServerInterceptingCallInterface): number {
  return Date.now() >= deadlineOf(call) ? GrpcStatus.DEADLINE_EXCEEDED : GrpcStatus.CANCELLED;
}

/** grpc-js's `getDeadline()`: a Date, or a number of ms (Infinity when the client set none). */
function deadlineOf(call: ServerInterceptingCallInterface): number {
  const deadline = call.getDeadline();
  return deadline instanceof Date ? deadline.getTime() : deadline;
}
