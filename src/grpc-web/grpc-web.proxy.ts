// gRPC-web on the HTTP/1.1 port, without a second implementation of the service: a middleware
// that forwards every gRPC-web call to the application's own gRPC port over HTTP/2 and translates
// the answer back. Protocol: https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md
//
// Request:  POST /<package.Service>/<Method>, content-type application/grpc-web[-text][+proto],
//           body = length-prefixed messages (base64 for -text, possibly several padded chunks).
// Upstream: the same path over one cached HTTP/2 session, content-type application/grpc[+proto],
//           te: trailers, the client's metadata.
// Response: 200, the upstream's data frames as they arrive (base64 for -text), then the upstream's
//           trailers as a gRPC-web trailer frame (flag 0x80). A trailers-only upstream answer (an
//           immediate error) also becomes a trailer frame: a body holding only the status.
import http2 from 'node:http2';
import type {
  ClientHttp2Session,
  ClientHttp2Stream,
  IncomingHttpHeaders as Http2IncomingHeaders,
  OutgoingHttpHeaders as Http2OutgoingHeaders,
} from 'node:http2';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { NETWORK_ERROR_CODES } from '../common/errors/translate-error.js';

export interface GrpcWebProxyLogger {
  warn(message: string): void;
  error(message: string): void;
}

export interface GrpcWebCorsOptions {
  /**
   * Whether a browser origin may call. Default: every origin. The API authenticates with bearer
   * tokens that a page has to add itself, so an allowed origin gains nothing it could not do with
   * its own token; restrict it if cookies ever carry credentials.
   */
  allowOrigin?: (origin: string) => boolean;
  /** Send `Access-Control-Allow-Credentials: true` to allowed origins. Default: false. */
  allowCredentials?: boolean;
  /** How long a browser may cache a preflight answer. Default: 7200 (Chromium's upper bound). */
  maxAgeSeconds?: number;
}

export interface GrpcWebProxyOptions {
  /** The gRPC (HTTP/2, cleartext) server to forward to, e.g. `http://127.0.0.1:50051`. */
  target: string;
  /** Where connection problems and internal errors go. Default: `console`. */
  logger?: GrpcWebProxyLogger;
  /**
   * Cap on the (decoded) request body of one call; a larger body is answered with
   * RESOURCE_EXHAUSTED. Default: 4 MiB + the 5-byte frame header (grpc's default message cap).
   */
  maxRequestBytes?: number;
  cors?: GrpcWebCorsOptions;
}

export type GrpcWebMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

export interface GrpcWebProxy {
  /** Node/Express/Connect-style middleware; mount it before any body parser. */
  middleware: GrpcWebMiddleware;
  /** Closes the HTTP/2 session (waits up to 5 s for running calls); later calls get UNAVAILABLE. */
  close(): Promise<void>;
}

/** gRPC status codes used here (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
const Status = {
  CANCELLED: 1,
  UNKNOWN: 2,
  RESOURCE_EXHAUSTED: 8,
  PERMISSION_DENIED: 7,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024 + 5;
const DEFAULT_PREFLIGHT_MAX_AGE_SECONDS = 7200;
const CLOSE_GRACE_MS = 5000;
const TRAILER_FLAG = 0x80;

interface WebFormat {
  /** application/grpc-web-text: base64 bodies. */
  text: boolean;
  upstreamContentType: string;
  responseContentType: string;
}

const FORMATS = new Map<string, WebFormat>(
  Object.entries({
    'application/grpc-web': {
      text: false,
      upstreamContentType: 'application/grpc',
      responseContentType: 'application/grpc-web+proto',
    },
    'application/grpc-web+proto': {
      text: false,
      upstreamContentType: 'application/grpc+proto',
      responseContentType: 'application/grpc-web+proto',
    },
    'application/grpc-web-text': {
      text: true,
      upstreamContentType: 'application/grpc',
      responseContentType: 'application/grpc-web-text+proto',
    },
    'application/grpc-web-text+proto': {
      text: true,
      upstreamContentType: 'application/grpc+proto',
      responseContentType: 'application/grpc-web-text+proto',
    },
  }),
);

/**
 * Request header fields that are not forwarded: hop-by-hop fields (RFC 9110 §7.6.1), fields that
 * HTTP/2 forbids (RFC 9113 §8.2.2; `host` becomes `:authority`), fields describing the HTTP/1.1
 * body (re-framed upstream), gRPC-web and CORS bookkeeping, and HTTP content negotiation that
 * concerns the gRPC-web body rather than the gRPC call.
 */
const DROPPED_REQUEST_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'http2-settings',
  'host',
  'content-length',
  'content-type',
  'content-encoding',
  'expect',
  'accept',
  'accept-encoding',
  'x-grpc-web',
  'x-user-agent',
  'access-control-request-method',
  'access-control-request-headers',
]);

/** Upstream header/trailer fields that are not metadata of the call. */
const DROPPED_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'content-type',
  'content-length',
  'date',
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
/** Always exposed to scripts, besides the metadata names of the response at hand. */
const EXPOSED_HEADERS = [
  'grpc-status',
  'grpc-message',
  'grpc-status-details-bin',
  'grpc-encoding',
  'grpc-accept-encoding',
];

/** `/<package.Service>/<Method>`: a dot in the first segment. */
const GRPC_PATH = /^\/[^/?#]*\.[^/?#]*\/[^/?#]+$/;

/** Errors that mean "could not reach / lost the upstream". */
const CONNECTION_ERROR_CODES = new Set([
  ...NETWORK_ERROR_CODES,
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_INVALID_SESSION',
  'ERR_HTTP2_STREAM_CANCEL',
  'ERR_HTTP2_ERROR',
]);

type Metadata = Record<string, string | string[]>;

export function createGrpcWebProxy(options: GrpcWebProxyOptions): GrpcWebProxy {
  const target = new URL(options.target);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new Error(`grpc-web proxy: unsupported target protocol ${target.protocol}`);
  }
  const origin = target.origin;
  const logger: GrpcWebProxyLogger = options.logger ?? console;
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const cors = options.cors ?? {};
  const maxAge = String(cors.maxAgeSeconds ?? DEFAULT_PREFLIGHT_MAX_AGE_SECONDS);

  let session: ClientHttp2Session | undefined;
  let closed = false;

  /** The cached session; a new one when there is none or it is closing, closed or broken. */
  function getSession(): ClientHttp2Session {
    if (session && !session.closed && !session.destroyed) return session;
    const created = http2.connect(origin);
    const forget = (): void => {
      if (session === created) session = undefined;
    };
    created.on('error', (err: Error) => {
      forget();
      logger.warn(`grpc-web proxy: HTTP/2 session to ${origin} failed: ${describe(err)}`);
    });
    // After a GOAWAY the running streams finish on this session, new ones need another.
    created.on('goaway', forget);
    created.on('close', forget);
    // An idle session must not keep the process alive; active calls hold their HTTP/1 sockets.
    created.unref();
    session = created;
    return created;
  }

  function corsHeaders(req: IncomingMessage): OutgoingHttpHeaders | undefined {
    const requestOrigin = req.headers.origin;
    if (requestOrigin === undefined) return { 'access-control-allow-origin': '*' };
    if (cors.allowOrigin && !cors.allowOrigin(requestOrigin)) return undefined;
    return {
      'access-control-allow-origin': requestOrigin,
      vary: 'Origin',
      ...(cors.allowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
    };
  }

  function answerPreflight(req: IncomingMessage, res: ServerResponse, requested: string[]): void {
    const allowed = corsHeaders(req);
    const headers: OutgoingHttpHeaders = {};
    if (allowed) {
      Object.assign(headers, allowed, {
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': [
          ...new Set([...ALWAYS_ALLOWED_HEADERS, ...requested]),
        ].join(', '),
        'access-control-max-age': maxAge,
      });
    }
    headers.vary = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
    res.writeHead(204, headers);
    res.end();
  }

  function handleCall(req: IncomingMessage, res: ServerResponse, format: WebFormat): void {
    const call = new ProxiedCall(req, res, format, {
      logger,
      maxRequestBytes,
      cors: corsHeaders(req),
    });
    if (closed) {
      call.fail(Status.UNAVAILABLE, 'the server is shutting down');
      return;
    }
    let stream: ClientHttp2Stream;
    try {
      stream = getSession().request(upstreamHeaders(req, format), { endStream: false });
    } catch (err) {
      logger.warn(`grpc-web proxy: could not start a call to ${origin}: ${describe(err)}`);
      call.fail(Status.UNAVAILABLE, 'upstream unavailable');
      return;
    }
    call.start(stream);
  }

  const middleware: GrpcWebMiddleware = (req, res, next) => {
    try {
      if (req.method === 'POST') {
        const format = FORMATS.get(mediaType(req.headers['content-type']));
        if (format) {
          handleCall(req, res, format);
          return;
        }
      } else if (req.method === 'OPTIONS') {
        const requested = splitList(req.headers['access-control-request-headers']);
        if (requested.some((h) => PREFLIGHT_MARKERS.has(h)) && isGrpcPath(requestPath(req))) {
          answerPreflight(req, res, requested);
          return;
        }
      }
    } catch (err) {
      logger.error(`grpc-web proxy: internal error: ${describe(err)}`);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error');
      } else {
        res.destroy();
      }
      return;
    }
    next();
  };

  async function close(): Promise<void> {
    closed = true;
    const current = session;
    session = undefined;
    if (!current || current.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => current.destroy(), CLOSE_GRACE_MS);
      timer.unref();
      current.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      current.close();
    });
  }

  return { middleware, close };
}

interface CallContext {
  logger: GrpcWebProxyLogger;
  maxRequestBytes: number;
  /** CORS fields for the response; undefined when the origin is not allowed. */
  cors: OutgoingHttpHeaders | undefined;
}

/** One gRPC-web call and its upstream HTTP/2 stream. */
class ProxiedCall {
  private upstream: ClientHttp2Stream | undefined;
  private done = false;
  private responseStarted = false;
  private trailers: Metadata | undefined;
  private upstreamError: Error | undefined;
  private readonly encoder: Base64Encoder | undefined;
  private readonly decoder: Base64Decoder | undefined;
  private flushTimer: NodeJS.Immediate | undefined;
  private received = 0;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly format: WebFormat,
    private readonly ctx: CallContext,
  ) {
    this.encoder = format.text ? new Base64Encoder() : undefined;
    this.decoder = format.text ? new Base64Decoder() : undefined;
    res.on('error', () => {
      // The client went away; 'close' below cancels the call.
    });
    // Not req 'close': on Node >= 16 that fires as soon as the request body has been read.
    res.on('close', () => {
      if (!res.writableFinished) this.cancel();
    });
  }

  start(upstream: ClientHttp2Stream): void {
    this.upstream = upstream;
    upstream.on('response', (headers) => this.guard(() => this.onResponse(headers)));
    upstream.on('data', (chunk: Buffer) => this.guard(() => this.onData(chunk)));
    upstream.on('trailers', (trailers: Http2IncomingHeaders) => {
      this.trailers = metadataOf(trailers);
    });
    upstream.on('end', () => this.guard(() => this.onEnd()));
    upstream.on('error', (err: Error) => {
      this.upstreamError = err;
    });
    upstream.on('close', () => this.guard(() => this.onClose()));

    this.req.on('data', this.onRequestData);
    this.req.on('end', this.onRequestEnd);
    this.req.on('error', this.onRequestError);
  }

  /**
   * Ends the call with a status of the proxy's own and cancels the upstream stream if it is still open.
   */
  fail(code: number, message: string, closeConnection = false): void {
    if (closeConnection && !this.res.headersSent) this.res.setHeader('connection', 'close');
    this.finish(
      { 'grpc-status': String(code), 'grpc-message': encodeGrpcMessage(message) },
      http2.constants.NGHTTP2_CANCEL,
    );
  }

  private onResponse(headers: Http2IncomingHeaders): void {
    if (this.done) return;
    const httpStatus = Number(headers[':status']);
    if (httpStatus !== 200) {
      // https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md
      this.fail(statusFromHttp(httpStatus), `upstream answered with HTTP status ${httpStatus}`);
      return;
    }
    const metadata = metadataOf(headers);
    if (metadata['grpc-status'] !== undefined) {
      // Trailers-only upstream: the status is in the headers and no message follows.
      this.finish(metadata, http2.constants.NGHTTP2_NO_ERROR);
      return;
    }
    if (!mediaType(headers['content-type']).startsWith('application/grpc')) {
      this.fail(Status.UNKNOWN, 'upstream answered with an unexpected content-type');
      return;
    }
    this.responseStarted = true;
    this.res.writeHead(200, this.responseHeaders(metadata));
    this.res.flushHeaders();
  }

  private onData(chunk: Buffer): void {
    if (this.done || !this.responseStarted) return;
    if (!this.encoder) {
      this.write(chunk);
      return;
    }
    const text = this.encoder.push(chunk);
    if (text) this.write(text);
    // Hold back at most 2 bytes so that one flush yields one unpadded run, but never let a message
    // tail wait for the next upstream chunk: pad it once this batch of I/O has been processed.
    if (this.encoder.pending && !this.flushTimer) {
      this.flushTimer = setImmediate(() => {
        this.flushTimer = undefined;
        if (!this.done && this.encoder?.pending) this.write(this.encoder.flush());
      });
    }
  }

  private onEnd(): void {
    if (this.done) return;
    if (this.trailers?.['grpc-status'] !== undefined) {
      this.finish(this.trailers, http2.constants.NGHTTP2_NO_ERROR);
      return;
    }
    this.fail(Status.INTERNAL, 'upstream ended the call without a gRPC status');
  }

  private onClose(): void {
    if (this.done) return;
    const stream = this.upstream;
    const err = this.upstreamError;
    const code = err && 'code' in err ? String(err.code) : undefined;
    // Connection trouble (the session's 'error' handler has logged it) -> UNAVAILABLE; a stream
    // reset by the upstream -> mapped from its RST_STREAM code, like grpc-js's client does.
    if (
      (code !== undefined && CONNECTION_ERROR_CODES.has(code)) ||
      (err && !this.responseStarted && code !== 'ERR_HTTP2_STREAM_ERROR')
    ) {
      this.fail(Status.UNAVAILABLE, 'upstream unavailable');
      return;
    }
    const [status, message] = statusFromRstCode(stream?.rstCode);
    this.ctx.logger.warn(`grpc-web proxy: upstream call ended without status: ${message}`);
    this.fail(status, message);
  }

  private readonly onRequestData = (chunk: Buffer): void => {
    this.guard(() => {
      const upstream = this.upstream;
      if (this.done || !upstream) return;
      let data: Buffer;
      try {
        data = this.decoder ? this.decoder.push(chunk) : chunk;
      } catch {
        this.fail(Status.INTERNAL, 'invalid base64 in the grpc-web-text request body', true);
        return;
      }
      this.received += data.length;
      if (this.received > this.ctx.maxRequestBytes) {
        this.fail(
          Status.RESOURCE_EXHAUSTED,
          `request body larger than ${this.ctx.maxRequestBytes} bytes`,
          true,
        );
        return;
      }
      if (data.length > 0 && !upstream.write(data)) {
        this.req.pause();
        upstream.once('drain', () => this.req.resume());
      }
    });
  };

  private readonly onRequestEnd = (): void => {
    this.guard(() => {
      const upstream = this.upstream;
      if (this.done || !upstream) return;
      let tail: Buffer | undefined;
      try {
        tail = this.decoder?.end();
      } catch {
        this.fail(Status.INTERNAL, 'invalid base64 in the grpc-web-text request body');
        return;
      }
      if (tail && tail.length > 0) upstream.end(tail);
      else upstream.end();
    });
  };

  private readonly onRequestError = (): void => {
    // Client aborted while sending; the response's 'close' cancels the upstream call.
  };

  private responseHeaders(metadata: Metadata): OutgoingHttpHeaders {
    const exposed = [...new Set([...EXPOSED_HEADERS, ...Object.keys(metadata)])].join(', ');
    return {
      ...metadata,
      ...this.ctx.cors,
      ...(this.ctx.cors ? { 'access-control-expose-headers': exposed } : {}),
      'content-type': this.format.responseContentType,
    };
  }

  private write(data: Buffer | string): void {
    const upstream = this.upstream;
    if (!this.res.write(data) && upstream && !upstream.isPaused()) {
      upstream.pause();
      this.res.once('drain', () => upstream.resume());
    }
  }

  /**
   * Ends the response with the given status metadata and closes the upstream stream with
   * `resetCode` if it is still open (when the upstream answered before the request body was
   * through, or when the proxy fails the call); idempotent.
   */
  private finish(status: Metadata, resetCode: number): void {
    if (this.done) return;
    this.done = true;
    this.stopReadingRequest();
    if (this.flushTimer) clearImmediate(this.flushTimer);
    // Always a trailer frame, also when nothing was sent yet (never a trailers-only answer with
    // the status in the HTTP headers): the contract puts the status in the trailer frame, and
    // every gRPC-web client reads it there.
    if (!this.res.headersSent) this.res.writeHead(200, this.responseHeaders({}));
    const frame = trailerFrame(status);
    this.res.end(this.encoder ? this.encoder.push(frame) + this.encoder.flush() : frame);
    const upstream = this.upstream;
    if (upstream && !upstream.destroyed) upstream.close(resetCode);
  }

  /** The client is gone: reset the upstream stream so the handler sees its call cancelled. */
  private cancel(): void {
    if (this.done) return;
    this.done = true;
    this.stopReadingRequest();
    if (this.flushTimer) clearImmediate(this.flushTimer);
    const upstream = this.upstream;
    if (upstream && !upstream.destroyed) upstream.close(http2.constants.NGHTTP2_CANCEL);
  }

  private stopReadingRequest(): void {
    this.req.off('data', this.onRequestData);
    this.req.off('end', this.onRequestEnd);
    // Keep an error listener; discard the rest of the body so the connection can be reused.
    this.req.resume();
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctx.logger.error(`grpc-web proxy: internal error: ${describe(err)}`);
      if (this.done) return;
      try {
        this.fail(Status.INTERNAL, 'internal proxy error');
      } catch {
        this.done = true;
        this.res.destroy();
        this.upstream?.close(http2.constants.NGHTTP2_CANCEL);
      }
    }
  }
}

/** Headers for the upstream request: the client's metadata, re-framed for gRPC over HTTP/2. */
function upstreamHeaders(req: IncomingMessage, format: WebFormat): Http2OutgoingHeaders {
  const listedInConnection = new Set(splitList(req.headers.connection));
  const headers: Record<string, string | string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (DROPPED_REQUEST_HEADERS.has(name) || listedInConnection.has(name)) continue;
    const previous = headers[name];
    if (previous === undefined) headers[name] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else headers[name] = [previous, value];
  }
  const peer = req.socket.remoteAddress;
  if (peer) {
    const forwarded = headers['x-forwarded-for'];
    headers['x-forwarded-for'] = [forwarded ?? [], peer].flat().join(', ');
  }
  return {
    ...headers,
    [http2.constants.HTTP2_HEADER_METHOD]: 'POST',
    [http2.constants.HTTP2_HEADER_PATH]: requestPath(req),
    'content-type': format.upstreamContentType,
    te: 'trailers',
  };
}

/** Metadata of an upstream header or trailer block (pseudo-headers and framing fields removed). */
function metadataOf(headers: Http2IncomingHeaders): Metadata {
  const metadata: Metadata = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    const key = name.toLowerCase();
    if (DROPPED_RESPONSE_HEADERS.has(key) || key.startsWith('access-control-')) continue;
    metadata[key] = Array.isArray(value) ? value : String(value);
  }
  return metadata;
}

/** A gRPC-web trailer frame: 0x80, 4-byte big-endian length, `key: value\r\n` lines. */
function trailerFrame(metadata: Metadata): Buffer {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(metadata)) {
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${key}: ${v}\r\n`);
  }
  const body = Buffer.from(lines.join(''), 'utf8');
  const frame = Buffer.allocUnsafe(5 + body.length);
  frame.writeUInt8(TRAILER_FLAG, 0);
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, 5);
  return frame;
}

function statusFromHttp(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return Status.INTERNAL;
    case 401:
      return Status.UNAUTHENTICATED;
    case 403:
      return Status.PERMISSION_DENIED;
    case 404:
      return Status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Status.UNAVAILABLE;
    default:
      return Status.UNKNOWN;
  }
}

/** Status for a stream that closed without gRPC trailers, as grpc-js's client maps it. */
function statusFromRstCode(rstCode: number | undefined): [number, string] {
  const c = http2.constants;
  switch (rstCode) {
    case c.NGHTTP2_REFUSED_STREAM:
      return [Status.UNAVAILABLE, 'upstream refused the call'];
    case c.NGHTTP2_CANCEL:
      return [Status.CANCELLED, 'upstream cancelled the call'];
    case c.NGHTTP2_ENHANCE_YOUR_CALM:
      return [Status.RESOURCE_EXHAUSTED, 'upstream is overloaded'];
    case c.NGHTTP2_INADEQUATE_SECURITY:
      return [Status.PERMISSION_DENIED, 'upstream refused the connection security'];
    case undefined:
    case c.NGHTTP2_NO_ERROR:
      return [Status.INTERNAL, 'upstream ended the call without a gRPC status'];
    default:
      return [Status.INTERNAL, `upstream reset the call (HTTP/2 error ${rstCode})`];
  }
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

/** The path as the client sent it, also when mounted below a prefix in Express. */
function requestPath(req: IncomingMessage): string {
  return (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
}

function isGrpcPath(path: string): boolean {
  return GRPC_PATH.test(path.split('?', 1)[0]!);
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = 'code' in err ? ` (${String(err.code)})` : '';
    return `${err.message}${code}`;
  }
  return String(err);
}

/**
 * Streaming base64 encoder: encodes whole 3-byte groups and keeps up to 2 bytes for the next
 * chunk, so consecutive pushes concatenate into one valid base64 text; `flush()` pads the rest.
 */
class Base64Encoder {
  private carry: Buffer = Buffer.alloc(0);

  get pending(): boolean {
    return this.carry.length > 0;
  }

  push(chunk: Buffer): string {
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const whole = data.length - (data.length % 3);
    this.carry = Buffer.from(data.subarray(whole));
    return data.subarray(0, whole).toString('base64');
  }

  flush(): string {
    const text = this.carry.toString('base64');
    this.carry = Buffer.alloc(0);
    return text;
  }
}

const BASE64_CHARS = /^[A-Za-z0-9+/\-_=]*$/;

/**
 * Streaming base64 decoder for grpc-web-text request bodies, which may be several independently
 * padded chunks ("AAE=AAE="): decodes whole 4-character groups, splitting after each padded one
 * (Buffer.from(..., 'base64') stops at the first '='). Whitespace is ignored.
 */
class Base64Decoder {
  private pending = '';

  push(chunk: Buffer): Buffer {
    const text = this.pending + chunk.toString('latin1').replace(/\s+/g, '');
    if (!BASE64_CHARS.test(text)) throw new Error('invalid base64');
    const whole = text.length - (text.length % 4);
    this.pending = text.slice(whole);
    return decodeGroups(text.slice(0, whole));
  }

  /** The last group may come unpadded (2 or 3 characters). */
  end(): Buffer {
    const rest = this.pending;
    this.pending = '';
    if (rest.length === 0) return Buffer.alloc(0);
    if (rest.length === 1 || rest.includes('=')) throw new Error('invalid base64');
    return Buffer.from(rest, 'base64');
  }
}

function decodeGroups(text: string): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  for (let pad = text.indexOf('=', start); pad !== -1; pad = text.indexOf('=', start)) {
    const groupEnd = pad - (pad % 4) + 4;
    const position = pad % 4;
    // Padding may only fill the last one or two characters of a group: "xxx=" or "xx==".
    if (position < 2 || (position === 2 && text[pad + 1] !== '=')) {
      throw new Error('invalid base64 padding');
    }
    parts.push(Buffer.from(text.slice(start, groupEnd), 'base64'));
    start = groupEnd;
  }
  if (start < text.length) parts.push(Buffer.from(text.slice(start), 'base64'));
  if (parts.length === 1) return parts[0]!;
  return Buffer.concat(parts);
}
