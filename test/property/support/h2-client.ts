// A raw gRPC client over one HTTP/2 session (node:http2): the body of each call is sent as
// given, so that frames can lie about their length, be flagged compressed, or come several at
// once, which no gRPC library would send. Every call is bounded by a timeout.
import {
  connect,
  constants,
  type ClientHttp2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';

export interface H2Answer {
  /** grpc-status from the trailers, or from the headers of a trailers-only answer. */
  code: number | undefined;
  message: string | undefined;
  detailsBin: string | undefined;
  /** The :status of the response headers. */
  httpStatus: number | undefined;
  /** The response headers (the initial metadata, or everything of a trailers-only answer). */
  headers: IncomingHttpHeaders;
  /** RST_STREAM code the stream closed with (0 = NO_ERROR). */
  rstCode: number;
  body: Buffer;
}

export class GrpcH2Client {
  private readonly session: ClientHttp2Session;
  /** Session-level trouble (an error or a GOAWAY), which no call may cause. */
  readonly problems: string[] = [];

  constructor(target: string) {
    this.session = connect(`http://${target}`);
    this.session.on('error', (error) => this.problems.push(`session error: ${error.message}`));
    this.session.on('goaway', (code) => this.problems.push(`GOAWAY ${code}`));
  }

  call(
    path: string,
    body: Buffer,
    headers: OutgoingHttpHeaders = {},
    timeoutMs = 8000,
  ): Promise<H2Answer> {
    return new Promise<H2Answer>((resolve, reject) => {
      const stream = this.session.request({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        ...headers,
      });
      let response: IncomingHttpHeaders = {};
      let trailers: IncomingHttpHeaders | undefined;
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        stream.close(constants.NGHTTP2_CANCEL);
        reject(new Error(`${path}: no end of the call within ${timeoutMs} ms (a hang)`));
      }, timeoutMs);
      stream.on('response', (h) => {
        response = h;
      });
      stream.on('trailers', (h) => {
        trailers = h;
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      // A stream error (a reset by the server) is reported by its rstCode below.
      stream.on('error', () => undefined);
      stream.on('close', () => {
        clearTimeout(timer);
        const status = trailers ?? response;
        const value = (key: string): string | undefined => {
          const v: unknown = status[key];
          return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
        };
        const code = value('grpc-status');
        resolve({
          code: code === undefined ? undefined : Number(code),
          message: value('grpc-message'),
          detailsBin: value('grpc-status-details-bin'),
          httpStatus: response[':status'] === undefined ? undefined : Number(response[':status']),
          headers: response,
          rstCode: stream.rstCode ?? 0,
          body: Buffer.concat(chunks),
        });
      });
      stream.end(body);
    });
  }

  close(): void {
    this.session.close();
  }
}
