import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  type AppError,
  ClientGoneError,
  InvalidArgumentError,
  MethodNotAllowedError,
  RequestTimeoutError,
} from '../errors/app-error.js';
import { statusOf, statusToJson } from '../errors/status.js';
import { REQUEST_ID } from '../request-id.js';

/** Bounds on a client's request (contract section 8: slow clients' headers and bodies). */
export const HTTP_LIMITS = {
  /** The request line and headers must have arrived by then. */
  headersTimeoutMs: 10_000,
  /** The whole request, body included. */
  requestTimeoutMs: 30_000,
  /** A connection with no request on it is closed after this long. */
  keepAliveTimeoutMs: 5_000,
  /** How often Node looks for requests past those timeouts (its default: 30 s). */
  checkIntervalMs: 1_000,
} as const;

/** Most bytes of a refused body read (and dropped) after the answer, so the connection can go on. */
export const DISCARD_LIMIT_BYTES = 1024 * 1024;

/**
 * A request body that will not be read: the rest is read and dropped as it comes, so that the
 * answer (sent at once) reaches the client and the connection can carry the next request. Closing
 * instead would reset the connection while the client is still sending, and the client could lose
 * the answer. Beyond DISCARD_LIMIT_BYTES the connection is closed: a client that sends that much
 * after being answered is not waited for.
 */
export function discardRest(request: IncomingMessage, limit = DISCARD_LIMIT_BYTES): void {
  let discarded = 0;
  request.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limit) request.socket.destroy();
  });
  request.resume();
}

/** A request body over the limit of its reader (the rest of it is being dropped). */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
    this.name = 'BodyTooLarge';
  }
}

/**
 * Reads a request body of at most `limit` bytes. A larger one is refused (BodyTooLarge) as soon
 * as the limit is passed, and the rest is dropped as it comes (discardRest), so that the answer
 * can be written at once and the connection carries on. Plain 'data' events, not the stream's
 * async iterator: that one leaves a 'readable' listener behind, and while it is there the stream
 * cannot be resumed to drop the rest.
 */
export function readBodyUpTo(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      stop();
      discardRest(request);
      reject(new BodyTooLarge(limit));
    };
    const onEnd = (): void => {
      stop();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    // The client went away mid-body (Node: 'error' with "aborted", or 'close' without 'end').
    const onError = (error?: Error): void => {
      stop();
      reject(new ClientGoneError(error));
    };
    const onClose = (): void => {
      if (!request.complete) onError();
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

/**
 * Told of each request the HTTP server answers itself (its status, and the request's
 * `x-request-id` when it could be read); returns the request id to answer with.
 */
export type RefusalObserver = (httpStatus: number, requestIdHeader?: unknown) => string;

/**
 * What Node's HTTP server answers by itself, before any route: requests its parser refuses
 * (headers over its limit, malformed HTTP), slow clients, `Expect:` values other than
 * 100-continue, and CONNECT. Each gets a readable answer in the Status envelope, with its request
 * id (from `observe`, which logs and counts it like any call), and the socket is ended (not reset)
 * so that the client can read it.
 */
export function hardenHttpServer(server: Server, observe?: RefusalObserver): void {
  server.headersTimeout = HTTP_LIMITS.headersTimeoutMs;
  server.requestTimeout = HTTP_LIMITS.requestTimeoutMs;
  server.keepAliveTimeout = HTTP_LIMITS.keepAliveTimeoutMs;
  // A constructor option of http.Server, read when the server starts listening.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    HTTP_LIMITS.checkIntervalMs;

  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    switch (error.code) {
      case 'HPE_HEADER_OVERFLOW':
        endWithStatus(
          socket,
          431,
          'Request Header Fields Too Large',
          invalid('request header too large'),
          observe?.(431),
        );
        return;
      case 'ERR_HTTP_REQUEST_TIMEOUT':
        endWithStatus(socket, 408, 'Request Timeout', new RequestTimeoutError(), observe?.(408));
        return;
      default:
        endWithStatus(
          socket,
          400,
          'Bad Request',
          invalid('malformed HTTP request'),
          observe?.(400),
        );
    }
  });
  // Without a listener Node answers 417 with an empty body itself.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const requestId = observe?.(417, req.headers[REQUEST_ID]);
    writeStatus(res, 417, invalid('only "Expect: 100-continue" is supported'), requestId);
  });
  // Without a listener Node closes the connection without an answer.
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    const requestId = observe?.(405, req.headers[REQUEST_ID]);
    endWithStatus(socket, 405, 'Method Not Allowed', new MethodNotAllowedError(), requestId);
  });
}

function invalid(message: string): AppError {
  return new InvalidArgumentError(message);
}

function bodyOf(error: AppError): string {
  return JSON.stringify(statusToJson(statusOf(error)));
}

function writeStatus(
  res: ServerResponse,
  httpStatus: number,
  error: AppError,
  requestId: string | undefined,
): void {
  const body = bodyOf(error);
  res.writeHead(httpStatus, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
    ...(requestId === undefined ? {} : { [REQUEST_ID]: requestId }),
  });
  res.end(body);
}

function endWithStatus(
  socket: Duplex,
  httpStatus: number,
  reason: string,
  error: AppError,
  requestId: string | undefined,
): void {
  const body = bodyOf(error);
  socket.end(
    `HTTP/1.1 ${httpStatus} ${reason}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      // A request id is printable ASCII (acceptRequestId): safe in a header line.
      (requestId === undefined ? '' : `X-Request-Id: ${requestId}\r\n`) +
      'Connection: close\r\n\r\n' +
      body,
  );
}
