// What Node's HTTP server would answer by itself (or not at all), and bodies the service does not
// read whole: each gets a readable answer in the Status envelope, and nothing resets or hangs a
// connection, not even a reused one (contract sections 5 and 8).
import { type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { startTestApp, type TestApp } from '../support/app.js';
import { ADA } from '../support/profile.js';

const PROFILE = '/auth/v1/users/me/profile';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** How the connection ended after the answer: 'end' (FIN), 'reset' or 'open'. */
  ended: 'end' | 'reset' | 'open';
}

/**
 * Writes `request` (and then `rest`, if any) on a fresh connection and reads one HTTP answer,
 * then waits up to `settleMs` to see how the connection ends.
 */
async function raw(
  port: number,
  request: string | Buffer,
  options: {
    rest?: () => AsyncIterable<Buffer>;
    settleMs?: number;
    timeoutMs?: number;
    /** Sent on the same connection once the first answer is in; its answer is `next`. */
    then?: string;
  } = {},
): Promise<RawAnswer & { next?: Omit<RawAnswer, 'ended'> }> {
  const socket: Socket = connect(port, '127.0.0.1');
  let data = Buffer.alloc(0);
  let ended: RawAnswer['ended'] = 'open';
  const closed = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => (data = Buffer.concat([data, chunk])));
    socket.on('end', () => {
      ended = ended === 'open' ? 'end' : ended;
      resolve();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      ended = error.code === 'ECONNRESET' || error.code === 'EPIPE' ? 'reset' : ended;
      resolve();
    });
    socket.on('close', () => resolve());
  });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(request);
  if (options.rest !== undefined) {
    try {
      for await (const chunk of options.rest()) {
        if (socket.destroyed || socket.writableEnded) break;
        socket.write(chunk);
      }
    } catch {
      // The server may stop reading; what counts is the answer.
    }
  }
  const deadline = Date.now() + (options.timeoutMs ?? 8000);
  while (!/\r\n\r\n/.test(data.toString('latin1')) || !complete(data)) {
    if (Date.now() > deadline || socket.destroyed) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const first = parse(data);
  let next: Omit<RawAnswer, 'ended'> | undefined;
  if (options.then !== undefined && !socket.destroyed) {
    const firstLength = data.length;
    socket.write(options.then);
    const until = Date.now() + 5000;
    while (Date.now() < until && !socket.destroyed) {
      const rest = data.subarray(firstLength);
      if (/\r\n\r\n/.test(rest.toString('latin1')) && complete(rest)) {
        next = parse(rest);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  await Promise.race([
    closed,
    new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 1000)),
  ]);
  socket.destroy();
  return { ...first, ended, ...(next === undefined ? {} : { next }) };
}

function complete(data: Buffer): boolean {
  const text = data.toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  const length = /content-length:\s*(\d+)/i.exec(text.slice(0, split));
  return length === null || data.length - split - 4 >= Number(length[1]);
}

function parse(data: Buffer): Omit<RawAnswer, 'ended'> {
  const text = data.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4) };
}

describe('the HTTP server, hardened', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp();
    port = Number(new URL(t.baseUrl).port);
  });
  afterAll(async () => {
    await t?.close();
  });

  const bigPut = (token: string, size: number) =>
    `PUT ${PROFILE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`;
  const body = (size: number) =>
    async function* (): AsyncIterable<Buffer> {
      for (let sent = 0; sent < size; sent += 64 * 1024) {
        yield Buffer.alloc(Math.min(64 * 1024, size - sent), 0x20);
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
  const TOO_LARGE = {
    code: 3,
    message: 'invalid UpdateMyProfileRequest: request body larger than 65536 bytes',
    details: [],
  };

  it('answers a body over 64 KiB with 400 and goes on serving the same connection', async () => {
    const { token } = await t.subject('huge-body');
    const size = 512 * 1024;
    const answer = await raw(port, bigPut(token, size), {
      rest: body(size),
      then: 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual(TOO_LARGE);
    expect(answer.ended).not.toBe('reset');
    // The rest of the body was read and dropped: the connection carries the next request.
    expect(answer.next?.status).toBe(200);
    expect(JSON.parse(answer.next!.body)).toEqual({ status: 'ok' });
  });

  it('answers a body far over the limit before cutting it, and stays up', async () => {
    const { token } = await t.subject('huger-body');
    const size = 8 * 1024 * 1024;
    const answer = await raw(port, bigPut(token, size), { rest: body(size) });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual(TOO_LARGE);
    // Dropping the rest is bounded: past 1 MiB the server stops listening to this client.
    expect(answer.ended).not.toBe('open');
    const next = await fetch(`${t.baseUrl}${PROFILE}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(ADA),
    });
    expect(next.status).toBe(200);
  });

  it('answers an Expect other than 100-continue with 417 in the envelope', async () => {
    const answer = await raw(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n`);
    expect(answer.status).toBe(417);
    expect(JSON.parse(answer.body)).toEqual({
      code: 3,
      message: 'only "Expect: 100-continue" is supported',
      details: [],
    });
  });

  it('answers CONNECT with 405 in the envelope', async () => {
    const answer = await raw(
      port,
      `CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n`,
    );
    expect(answer.status).toBe(405);
    expect(JSON.parse(answer.body)).toEqual({
      code: 12,
      message: 'Method Not Allowed',
      details: [],
    });
    expect(answer.ended).toBe('end');
  });

  it('answers malformed HTTP with 400 and headers over the limit with 431, in the envelope', async () => {
    const malformed = await raw(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body)).toMatchObject({
      code: 3,
      message: 'malformed HTTP request',
    });
    const huge = await raw(
      port,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(huge.status).toBe(431);
    expect(JSON.parse(huge.body)).toMatchObject({ code: 3, message: 'request header too large' });
  });

  it('answers a client whose headers do not arrive in time with 408', async () => {
    const server: Server = t.app.getHttpServer();
    const started = Date.now();
    // The headers never end; the server's headers timeout (shortened here) ends the wait.
    const before = server.headersTimeout;
    server.headersTimeout = 1000;
    try {
      const answer = await raw(port, `GET /healthz HTTP/1.1\r\nHost: x\r\n`, {
        timeoutMs: 15_000,
        settleMs: 500,
      });
      expect(answer.status).toBe(408);
      expect(JSON.parse(answer.body)).toEqual({
        code: 4,
        message: 'the request did not arrive in time',
        details: [],
      });
      expect(Date.now() - started).toBeLessThan(12_000);
    } finally {
      server.headersTimeout = before;
    }
  });
});
