import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { InvalidArgumentError } from '../errors/app-error.js';
import { statusOf, statusToJson } from '../errors/status.js';

/**
 * Requests that Node's HTTP parser refuses (headers over its limit, malformed HTTP) never reach
 * Express; Node would answer them with an empty 431 or 400. They get the Status envelope too.
 */
export function answerClientErrorsWithStatus(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = statusOf(
      new InvalidArgumentError(tooLarge ? 'request header too large' : 'malformed HTTP request'),
    );
    const body = JSON.stringify(statusToJson(status));
    socket.end(
      `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}
