// gRPC-web on the HTTP/1.1 port, served by the same Nest handlers as gRPC: a middleware that
// reads a gRPC-web call, hands its bytes to the Nest handler of the method (the one the gRPC
// transport runs, with its guard, interceptors, pipes and exception filter) and writes the answer
// in gRPC-web framing. Protocol: https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md
//
// Why not a library: the gRPC-web servers for Node (@improbable-eng/grpc-web's node proxy, Envoy's
// filter) forward to a gRPC port over HTTP/2, which costs a second hop per call; the Connect
// libraries serve gRPC-web from their own router, not from Nest's handlers. Calling the Nest
// handler in process keeps one pipeline with one set of rules for gRPC and gRPC-web.
//
// Request:  POST /<package.Service>/<Method>, content-type application/grpc-web[-text][+proto],
//           body = one length-prefixed message (base64 for -text, possibly several padded runs).
// Response: 200, a message frame and a trailer frame (flag 0x80) with grpc-status, grpc-message
//           and grpc-status-details-bin; an error is the trailer frame alone (never trailers-only).
import { type DescMethod, toBinary } from '@bufbuild/protobuf';
import { Metadata } from '@grpc/grpc-js';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { lastValueFrom, type Observable } from 'rxjs';
import {
  type AppError,
  DeadlineExceededError,
  InvalidArgumentError,
  ResourceExhaustedError,
  UnimplementedError,
} from '../common/errors/app-error.js';
import { currentCall } from '../common/call-context.js';
import { statusOf, statusToBinary } from '../common/errors/status.js';
import { translateError } from '../common/errors/translate-error.js';
import { EncodedRequest } from '../common/proto/encoded-request.js';
import { REQUEST_ID } from '../common/request-id.js';
import { BodyTooLarge, readBodyUpTo } from '../common/transport/http-server.js';

/** A Nest RPC handler as the gRPC transport calls it: (data, metadata, call). */
export type RpcHandler = (data: unknown, metadata: Metadata, call: object) => Promise<unknown>;

/** The method served at a path, and the Nest handler that serves it. */
export interface GrpcWebMethod {
  method: DescMethod;
  handler: RpcHandler;
  /** Nest's Server.transformToObservable: the handler's result as an Observable. */
  toObservable: (result: unknown) => Observable<unknown>;
}

export interface GrpcWebOptions {
  /** The method of a path such as `/zitadel.auth.v1.AuthService/GetMyProfile`, if served. */
  resolve: (path: string) => GrpcWebMethod | undefined;
  /** Largest (decoded) request body: 4 MiB + the 5-byte frame header, as grpc's default. */
  maxRequestBytes?: number;
  /** How long a browser may cache a preflight answer. Default: 7200 s (Chromium's bound). */
  preflightMaxAgeSeconds?: number;
  logger?: { error(message: string): void };
}

export type GrpcWebMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

interface WebFormat {
  /** application/grpc-web-text: base64 bodies. */
  text: boolean;
  responseContentType: string;
}

const FORMATS = new Map<string, WebFormat>([
  ['application/grpc-web', { text: false, responseContentType: 'application/grpc-web+proto' }],
  [
    'application/grpc-web+proto',
    { text: false, responseContentType: 'application/grpc-web+proto' },
  ],
  [
    'application/grpc-web-text',
    { text: true, responseContentType: 'application/grpc-web-text+proto' },
  ],
  [
    'application/grpc-web-text+proto',
    { text: true, responseContentType: 'application/grpc-web-text+proto' },
  ],
]);

const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024 + 5;
const TRAILER_FLAG = 0x80;
const COMPRESSED_FLAG = 0x01;

/**
 * Request header fields that are not call metadata: hop-by-hop fields (RFC 9110 §7.6.1), fields
 * of the HTTP/1.1 message itself, gRPC-web and CORS bookkeeping, and HTTP content negotiation.
 */
const NOT_METADATA = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
  'content-length',
  'content-type',
  'content-encoding',
  'expect',
  'accept',
  'accept-encoding',
  'x-grpc-web',
  'x-user-agent',
  'origin',
  'referer',
  'access-control-request-method',
  'access-control-request-headers',
]);

/** Allowed on every preflight, whatever the browser asked for. */
const ALWAYS_ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'x-grpc-web',
  'x-user-agent',
  'grpc-timeout',
];
/** A preflight is ours when it asks for one of these (gRPC-web clients always send them). */
const PREFLIGHT_MARKERS = new Set(['x-grpc-web', 'x-user-agent', 'content-type', 'authorization']);
/** Exposed to scripts, besides the metadata names of the response at hand. */
const EXPOSED_HEADERS = ['grpc-status', 'grpc-message', 'grpc-status-details-bin', REQUEST_ID];

/** `/<package.Service>/<Method>`: a dot in the first segment. */
const GRPC_PATH = /^\/[^/?#]*\.[^/?#]*\/[^/?#]+$/;

export function createGrpcWebMiddleware(options: GrpcWebOptions): GrpcWebMiddleware {
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const maxAge = String(options.preflightMaxAgeSeconds ?? 7200);
  const logger = options.logger ?? console;

  return (req, res, next) => {
    if (req.method === 'POST') {
      const format = formatOf(req);
      if (format !== undefined) {
        new GrpcWebCall(req, res, format, options.resolve, maxRequestBytes)
          .serve()
          .catch((error: unknown) => {
            logger.error(`grpc-web: internal error: ${describe(error)}`);
            if (!res.headersSent) res.writeHead(500).end();
            else res.destroy();
          });
        return;
      }
    } else if (req.method === 'OPTIONS') {
      const requested = splitList(req.headers['access-control-request-headers']);
      if (requested.some((h) => PREFLIGHT_MARKERS.has(h)) && GRPC_PATH.test(pathOf(req))) {
        res.writeHead(204, {
          ...corsHeaders(req),
          'access-control-allow-methods': 'POST, OPTIONS',
          'access-control-allow-headers': [
            ...new Set([...ALWAYS_ALLOWED_HEADERS, ...requested]),
          ].join(', '),
          'access-control-max-age': maxAge,
          vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
        });
        res.end();
        return;
      }
    }
    next();
  };
}

/** The gRPC-web format of a request, if it is a gRPC-web call (a POST of a gRPC-web type). */
function formatOf(req: IncomingMessage): WebFormat | undefined {
  return req.method === 'POST' ? FORMATS.get(mediaType(req.headers['content-type'])) : undefined;
}

/** Whether the middleware serves this request as a gRPC-web call. */
export function isGrpcWebRequest(req: IncomingMessage): boolean {
  return formatOf(req) !== undefined;
}

/**
 * The `call` argument of the Nest handler (grpc-js would pass its ServerUnaryCall): what Nest and
 * this application read of it. `transport` tells a gRPC-web call from a gRPC one.
 */
export class GrpcWebServerCall extends EventEmitter {
  readonly transport = 'grpc-web';
  cancelled = false;
  /** Initial metadata the handler sends (`call.sendMetadata`), written as response headers. */
  readonly responseMetadata = new Metadata();

  constructor(
    readonly request: unknown,
    readonly metadata: Metadata,
    private readonly path: string,
    private readonly peer: string,
    /** The client's deadline (`grpc-timeout`), in ms since the epoch; Infinity without one. */
    private readonly deadline = Infinity,
  ) {
    super();
  }

  getPath(): string {
    return this.path;
  }

  getPeer(): string {
    return this.peer;
  }

  sendMetadata(metadata: Metadata): void {
    this.responseMetadata.merge(metadata);
  }

  getDeadline(): number {
    return this.deadline;
  }
}

/** What a failed Nest RPC handler rejects with (see AllExceptionsFilter.toGrpcServiceError). */
interface GrpcError {
  code: number;
  details?: string;
  metadata?: Metadata;
}

class GrpcWebCall {
  private answered = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly format: WebFormat,
    private readonly resolve: (path: string) => GrpcWebMethod | undefined,
    private readonly maxRequestBytes: number,
  ) {}

  async serve(): Promise<void> {
    const path = pathOf(this.req);
    const served = this.resolve(path);
    if (served === undefined) {
      // Not a method of ours: answered at once, and the body is not read.
      this.req.resume();
      this.answerError(new UnimplementedError(`The server does not implement the method ${path}`));
      return;
    }
    const { method, handler, toObservable } = served;
    // The bytes are read (bounded), not looked at: the handler's guard checks the token first,
    // then the request is decoded (ProtoBodyInterceptor), or refused for what is wrong with it.
    const request = await this.readRequest(method);
    if (request === undefined) return;
    const metadata = metadataOf(this.req);
    const deadline = deadlineOf(this.req.headers['grpc-timeout']);
    const call = new GrpcWebServerCall(
      request,
      metadata,
      path,
      this.req.socket.remoteAddress ?? '',
      deadline,
    );
    // The handler's own waits end by the client's deadline too (the call's, see Deadline)...
    const context = currentCall();
    if (context?.deadline !== undefined) context.deadline = context.deadline.before(deadline);
    // ...and, as grpc-js does for gRPC, once it has passed the call is answered 4.
    const timer = Number.isFinite(deadline)
      ? setTimeout(
          () => this.answerError(new DeadlineExceededError()),
          Math.max(0, deadline - Date.now()),
        )
      : undefined;
    this.res.once('close', () => clearTimeout(timer));
    this.res.once('close', () => {
      if (!this.answered) {
        call.cancelled = true;
        call.emit('cancelled');
      }
    });
    let response: unknown;
    try {
      response = await lastValueFrom(toObservable(await handler(request, metadata, call)));
    } catch (error) {
      this.answerStatus(asGrpcError(error), call.responseMetadata);
      return;
    }
    const message = Buffer.from(toBinary(method.output, response as never));
    this.answer(
      [frame(0, message), trailerFrame({ 'grpc-status': '0', 'grpc-message': '' })],
      call.responseMetadata,
      0,
    );
  }

  /**
   * The request as the Nest handler gets it: the message bytes, or what is wrong with them (the
   * handler turns that into its error after the guard). A body over the limit is not read further.
   */
  private async readRequest(method: DescMethod): Promise<EncodedRequest | undefined> {
    const limit = this.maxRequestBytes;
    let raw: Buffer;
    try {
      // For -text, the limit applies to the decoded size, which is 3/4 of the text.
      raw = await readBodyUpTo(this.req, this.format.text ? Math.ceil((limit * 4) / 3) + 4 : limit);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) return undefined; // the client went away
      return EncodedRequest.refused(method.input, tooLarge(method, limit));
    }
    let body = raw;
    if (this.format.text) {
      try {
        body = decodeBase64Runs(raw.toString('latin1'));
      } catch {
        return EncodedRequest.refused(
          method.input,
          new InvalidArgumentError(
            `invalid ${method.input.name}: the request body is not valid base64`,
          ),
        );
      }
      if (body.length > limit) return EncodedRequest.refused(method.input, tooLarge(method, limit));
    }
    if (body.length === 0) {
      return EncodedRequest.refused(
        method.input,
        new UnimplementedError('Received no request message'),
      );
    }
    if (body.length < 5) return EncodedRequest.refused(method.input, notAFrame(method));
    const flag = body.readUInt8(0);
    const length = body.readUInt32BE(1);
    if ((flag & COMPRESSED_FLAG) !== 0) {
      return EncodedRequest.refused(
        method.input,
        new UnimplementedError(
          'compressed request messages are not supported (grpc-encoding: identity)',
        ),
      );
    }
    if (flag !== 0 || 5 + length > body.length)
      return EncodedRequest.refused(method.input, notAFrame(method));
    if (5 + length < body.length) {
      return EncodedRequest.refused(
        method.input,
        new UnimplementedError('Received a second request message for server unary call'),
      );
    }
    return new EncodedRequest(method.input, body.subarray(5));
  }

  private answerError(error: AppError): void {
    this.answerStatus(grpcErrorOf(error), new Metadata());
  }

  private answerStatus(error: GrpcError, initial: Metadata): void {
    const trailer: Record<string, string[]> = {
      'grpc-status': [String(error.code)],
      'grpc-message': [encodeGrpcMessage(error.details ?? '')],
    };
    for (const [key, values] of Object.entries(error.metadata?.toHttp2Headers() ?? {})) {
      trailer[key] = ([] as unknown[]).concat(values).map(String);
    }
    this.answer([trailerFrame(trailer)], initial, error.code);
  }

  private answer(frames: Buffer[], initial: Metadata, code: number): void {
    if (this.answered || this.res.destroyed) return;
    this.answered = true;
    // The HTTP status says nothing of the outcome: the call's log line and metrics read it here.
    const call = currentCall();
    if (call !== undefined) call.grpcStatus = code;
    const headers = httpHeadersOf(initial);
    const body = Buffer.concat(frames);
    this.res.writeHead(200, {
      ...headers,
      ...corsHeaders(this.req),
      'access-control-expose-headers': [
        ...new Set([...EXPOSED_HEADERS, ...Object.keys(headers)]),
      ].join(', '),
      'content-type': this.format.responseContentType,
    });
    this.res.end(this.format.text ? body.toString('base64') : body);
  }
}

function tooLarge(method: DescMethod, limit: number): AppError {
  return new ResourceExhaustedError(
    `invalid ${method.input.name}: the request is larger than ${limit} bytes`,
  );
}

const TIMEOUT_UNITS: Record<string, number> = {
  H: 3_600_000,
  M: 60_000,
  S: 1000,
  m: 1,
  u: 1e-3,
  n: 1e-6,
};

/** The deadline a `grpc-timeout` header sets (gRPC's format: `10S`, `500m`), or Infinity. */
function deadlineOf(header: string | string[] | undefined): number {
  const match = typeof header === 'string' ? /^(\d{1,8})([HMSmun])$/.exec(header) : null;
  if (match === null) return Infinity;
  return Date.now() + Number(match[1]) * TIMEOUT_UNITS[match[2]!]!;
}

function notAFrame(method: DescMethod): AppError {
  return new InvalidArgumentError(
    `invalid ${method.input.name}: the request body is not one gRPC-web message frame`,
  );
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A grpc-web-text body may be several independently padded base64 runs ("AAE=AAE="): each
 * 4-character group decodes on its own; white space is ignored.
 */
function decodeBase64Runs(text: string): Buffer {
  const clean = text.replace(/\s+/g, '');
  const parts: Buffer[] = [];
  let start = 0;
  while (start < clean.length) {
    let end = clean.indexOf('=', start);
    if (end === -1) end = clean.length;
    else {
      end = end - ((end - start) % 4) + 4;
      if (end > clean.length) throw new Error('invalid base64 padding');
    }
    const run = clean.slice(start, end);
    if (!BASE64.test(run) || run.length % 4 === 1) throw new Error('invalid base64');
    parts.push(Buffer.from(run, 'base64'));
    start = end;
  }
  return Buffer.concat(parts);
}

/** The call's metadata from the HTTP request headers (`-bin` values are base64). */
function metadataOf(req: IncomingMessage): Metadata {
  const metadata = new Metadata();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (NOT_METADATA.has(name) || name.startsWith(':') || name.startsWith('grpc-')) continue;
    const value = raw[i + 1]!;
    try {
      if (name.endsWith('-bin')) metadata.add(name, Buffer.from(value, 'base64'));
      else metadata.add(name, value);
    } catch {
      // A header name or value that is not valid metadata is left out.
    }
  }
  return metadata;
}

/** Initial metadata as HTTP response headers (`-bin` values base64, as grpc-js writes them). */
function httpHeadersOf(metadata: Metadata): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(metadata.toHttp2Headers())) {
    headers[key] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return headers;
}

/** An error of this file (or an unexpected one) as the Status the filter would give it. */
function grpcErrorOf(error: unknown): GrpcError {
  const status = statusOf(translateError(error));
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(statusToBinary(status)));
  return { code: status.code, details: status.message, metadata };
}

/** What the handler failed with: the filter's gRPC error, or (never expected) anything else. */
function asGrpcError(error: unknown): GrpcError {
  if (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as GrpcError).code === 'number'
  ) {
    return error as GrpcError;
  }
  return grpcErrorOf(error);
}

function frame(flag: number, payload: Buffer): Buffer {
  const header = Buffer.allocUnsafe(5);
  header.writeUInt8(flag, 0);
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

/** A gRPC-web trailer frame: `key: value\r\n` lines. */
function trailerFrame(fields: Record<string, string | string[]>): Buffer {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${key}: ${v}\r\n`);
  }
  return frame(TRAILER_FLAG, Buffer.from(lines.join(''), 'utf8'));
}

function corsHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  const origin = req.headers.origin;
  // Bearer tokens are added by the page itself, so an origin gains nothing it could not do with
  // its own token: every origin may call; no credentials (cookies) are allowed.
  return origin === undefined
    ? { 'access-control-allow-origin': '*' }
    : { 'access-control-allow-origin': origin, vary: 'Origin' };
}

/** grpc-message is percent-encoded: everything outside printable ASCII, and '%' itself. */
function encodeGrpcMessage(message: string): string {
  return message.replace(/[^\x20-\x24\x26-\x7e]+/g, (s) =>
    Array.from(
      Buffer.from(s, 'utf8'),
      (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    ).join(''),
  );
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

function splitList(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
}

/** The path as the client sent it (without the query), also when mounted below a prefix. */
function pathOf(req: IncomingMessage): string {
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  return url.split('?', 1)[0]!;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
