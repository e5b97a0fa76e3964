// A JWKS endpoint on 127.0.0.1 that the test steers: good keys, garbage, a status, a hang, a slow
// body, a huge answer (streamed, so that the server sees how much the client really read). It
// counts requests and the body bytes it managed to send.
import { type JsonWebKey } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

export type JwksBehaviour =
  /** 200 with `{"keys": [...]}` */
  | { kind: 'keys'; keys: JsonWebKey[] }
  /** this status, with a small JSON error body */
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  /** 200 with this body (garbage, JSON that is not a JWKS) */
  | { kind: 'body'; body: string }
  /** never answers (until the server closes) */
  | { kind: 'hang' }
  /** headers at once, then one byte of a JWKS every `everyMs` */
  | { kind: 'drip'; everyMs: number }
  /** 200 with a JWKS-looking body of `bytes` bytes, streamed; `declareLength` sets content-length */
  | { kind: 'huge'; bytes: number; declareLength: boolean };

export interface JwksServer {
  /** http://127.0.0.1:<port>/jwks */
  url: string;
  readonly requests: number;
  /** Body bytes written for all requests so far. */
  readonly bytesSent: number;
  behave(behaviour: JwksBehaviour): void;
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, ' ');

export async function startJwksServer(initial: JwksBehaviour): Promise<JwksServer> {
  let behaviour = initial;
  let requests = 0;
  let bytesSent = 0;
  const timers = new Set<NodeJS.Timeout>();

  const send = (res: ServerResponse, status: number, body: string, headers = {}) => {
    bytesSent += Buffer.byteLength(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  };

  const streamHuge = (res: ServerResponse, bytes: number, declareLength: boolean) => {
    res.writeHead(200, {
      'content-type': 'application/json',
      ...(declareLength ? { 'content-length': bytes } : {}),
    });
    let left = bytes;
    const head = Buffer.from('{"keys":[],"padding":"');
    const tail = Buffer.from('"}');
    let closed = false;
    res.on('close', () => {
      closed = true;
    });
    const write = (chunk: Buffer) => {
      bytesSent += chunk.byteLength;
      left -= chunk.byteLength;
      return res.write(chunk);
    };
    const pump = () => {
      while (!closed && left > tail.byteLength) {
        const size = Math.min(CHUNK.byteLength, left - tail.byteLength);
        if (!write(size === CHUNK.byteLength ? CHUNK : CHUNK.subarray(0, size))) {
          res.once('drain', pump);
          return;
        }
      }
      if (!closed) {
        write(tail);
        res.end();
      }
    };
    write(head);
    pump();
  };

  const server = createServer((req, res) => {
    requests += 1;
    // The request body (none for a GET) is not needed.
    req.resume();
    switch (behaviour.kind) {
      case 'keys':
        send(res, 200, JSON.stringify({ keys: behaviour.keys }));
        return;
      case 'status':
        send(res, behaviour.status, JSON.stringify({ error: 'nope' }), behaviour.headers);
        return;
      case 'body':
        send(res, 200, behaviour.body);
        return;
      case 'hang':
        return;
      case 'drip': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => {
          bytesSent += 1;
          res.write(' ');
        }, behaviour.everyMs);
        timers.add(timer);
        res.on('close', () => {
          clearInterval(timer);
          timers.delete(timer);
        });
        return;
      }
      case 'huge':
        streamHuge(res, behaviour.bytes, behaviour.declareLength);
        return;
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/jwks`,
    get requests() {
      return requests;
    },
    get bytesSent() {
      return bytesSent;
    },
    behave(next) {
      behaviour = next;
    },
    close() {
      for (const timer of timers) clearInterval(timer);
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Hanging and keep-alive connections would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
  };
}

/** The keys the test issuer publishes, to serve (or serve later) from a JwksServer. */
export async function publishedKeys(jwksUri: string): Promise<JsonWebKey[]> {
  const response = await fetch(jwksUri, { signal: AbortSignal.timeout(5000) });
  return ((await response.json()) as { keys: JsonWebKey[] }).keys;
}
