import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { type AddressInfo } from 'node:net';
import { ClientGoneError } from '../errors/app-error.js';
import { BodyTooLarge, readBodyUpTo } from './http-server.js';

describe('readBodyUpTo', () => {
  let server: Server;
  let port: number;
  let reading: (req: IncomingMessage) => void;

  beforeAll(async () => {
    server = createServer((req, res) => {
      reading(req);
      res.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  /** Sends headers announcing `length` bytes, then `sent` bytes, then closes or waits. */
  const send = (length: number, sent: number, close: boolean) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n`);
    socket.write(Buffer.alloc(sent, 0x61));
    if (close) setTimeout(() => socket.destroy(), 50);
    return socket;
  };
  const outcome = (limit: number) =>
    new Promise<unknown>((resolve) => {
      reading = (req) => void readBodyUpTo(req, limit).then(resolve, resolve);
    });

  it('reads a body within the limit', async () => {
    const read = outcome(100);
    const socket = send(10, 10, false);
    expect(await read).toEqual(Buffer.alloc(10, 0x61));
    socket.destroy();
  });

  it('refuses a body over the limit as soon as it passes it', async () => {
    const read = outcome(100);
    const socket = send(1000, 200, false);
    expect(await read).toBeInstanceOf(BodyTooLarge);
    socket.destroy();
  });

  it('tells a client that went away mid-body from a broken dependency', async () => {
    const read = outcome(100);
    send(50, 10, true);
    expect(await read).toBeInstanceOf(ClientGoneError);
  });
});
