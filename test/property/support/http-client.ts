// HTTP/1.1 clients for the hostile-input properties: one keep-alive connection (node:http, one
// socket) so that hostile and valid requests share it, and a raw socket for bytes that no HTTP
// client would send. Every exchange is bounded by a timeout; a reset or a hang is reported, not
// swallowed.
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Whether the request went on a connection that had carried an earlier one. */
  reused: boolean;
}

/** Requests on one keep-alive connection (a new one only when the server closed the last). */
export class KeepAliveClient {
  /**
   * One socket. An idle one is closed after 4 s, before the server's keep-alive timeout (5 s):
   * otherwise a request could go out on a socket the server is closing at that moment, and fail
   * with a reset that no hostile input caused.
   */
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1, timeout: 4000 });
  private readonly seen = new WeakSet<Socket>();
  /** Connections opened so far. */
  connections = 0;

  constructor(private readonly baseUrl: string) {}

  send(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: Buffer | string; timeoutMs?: number } = {},
  ): Promise<Answer> {
    const url = new URL(path, this.baseUrl);
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise<Answer>((resolve, reject) => {
      const req = request(url, { method, agent: this.agent, headers: options.headers });
      const timer = setTimeout(() => {
        req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms (a hang)`));
      }, timeoutMs);
      req.on('socket', (socket) => {
        if (!this.seen.has(socket)) {
          this.seen.add(socket);
          this.connections += 1;
        }
      });
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            reused: req.reusedSocket,
          });
        });
      });
      req.end(options.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface RawAnswer {
  /** The status of the first answer, if one came. */
  status?: number;
  headers: Record<string, string>;
  body: string;
  /** How the connection ended: FIN after the answer, a reset, or still open when we stopped. */
  ended: 'end' | 'reset' | 'open';
}

/**
 * Writes `bytes` on a fresh connection, reads the first answer (a complete one, by its
 * Content-Length), then waits up to `settleMs` for the connection to end, and closes it.
 */
export async function rawExchange(
  port: number,
  bytes: Buffer,
  options: { timeoutMs?: number; settleMs?: number } = {},
): Promise<RawAnswer> {
  const socket = connect(port, '127.0.0.1');
  let data = Buffer.alloc(0);
  let ended: RawAnswer['ended'] = 'open';
  const closed = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => (data = Buffer.concat([data, chunk])));
    socket.on('end', () => {
      if (ended === 'open') ended = 'end';
      resolve();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') ended = 'reset';
      resolve();
    });
    socket.on('close', () => resolve());
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write(bytes);
    const deadline = Date.now() + (options.timeoutMs ?? 8000);
    while (!complete(data) && !socket.destroyed && ended === 'open' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    if (complete(data)) {
      await Promise.race([
        closed,
        new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 50)),
      ]);
    }
    return { ...parse(data), ended };
  } finally {
    socket.destroy();
  }
}

/** Whether `data` holds a whole HTTP answer (headers, and a body as long as Content-Length). */
function complete(data: Buffer): boolean {
  const text = data.toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, split));
  return length !== null && data.length - split - 4 >= Number(length[1]);
}

function parse(data: Buffer): Omit<RawAnswer, 'ended'> {
  const text = data.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) return { headers: {}, body: text };
  const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = /^HTTP\/1\.[01] (\d{3}) /.exec(statusLine)?.[1];
  return {
    ...(status === undefined ? {} : { status: Number(status) }),
    headers,
    body: text.slice(split + 4),
  };
}
