// The gRPC-web proxy against a real grpc-js server (fixture handlers below) and real clients:
// @connectrpc/connect-node's gRPC-web transport over HTTP/1.1, and raw node:http requests.
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createClient, type Client } from '@connectrpc/connect';
import { createGrpcWebTransport } from '@connectrpc/connect-node';
import {
  AuthService,
  GetMyProfileResponseSchema,
  UpdateMyProfileRequestSchema,
  UpdateMyProfileResponseSchema,
} from '../gen/zitadel/auth_pb.js';
import { StatusSchema } from '../gen/google/rpc/status_pb.js';
import { ErrorDetailSchema } from '../gen/zitadel/message_pb.js';
import { createGrpcWebProxy, type GrpcWebProxy } from './grpc-web.proxy.js';

const PROTO_DIR = fileURLToPath(new URL('../../proto', import.meta.url));
const GET_PATH = '/zitadel.auth.v1.AuthService/GetMyProfile';
const UPDATE_PATH = '/zitadel.auth.v1.AuthService/UpdateMyProfile';

/** google.rpc.Status the fixture attaches as grpc-status-details-bin to its UNAUTHENTICATED error. */
const DETAILS_BIN = Buffer.from(
  toBinary(
    StatusSchema,
    create(StatusSchema, {
      code: grpc.status.UNAUTHENTICATED,
      message: 'token invalid',
      details: [
        anyPack(
          ErrorDetailSchema,
          create(ErrorDetailSchema, { id: 'AUTH-T1', message: 'expired' }),
        ),
      ],
    }),
  ),
);

// --- fixture gRPC server ----------------------------------------------------------------------

interface SeenCall {
  metadata: grpc.Metadata;
  deadline: grpc.Deadline;
}

class Deferred<T> {
  resolve!: (value: T) => void;
  readonly promise = new Promise<T>((resolve) => {
    this.resolve = resolve;
  });
}

const seen: SeenCall[] = [];
let slowStarted = new Deferred<void>();
let slowCancelled = new Deferred<number>();

const fixtureHandlers: grpc.UntypedServiceImplementation = {
  GetMyProfile(
    call: grpc.ServerUnaryCall<unknown, unknown>,
    callback: grpc.sendUnaryData<unknown>,
  ): void {
    seen.push({ metadata: call.metadata, deadline: call.getDeadline() });
    switch (call.metadata.get('authorization')[0]) {
      case 'Bearer good': {
        const initial = new grpc.Metadata();
        initial.set('x-request-id', 'req-1');
        call.sendMetadata(initial);
        const trailer = new grpc.Metadata();
        trailer.set('x-trace', 'trace-1');
        callback(
          null,
          {
            details: { sequence: '42', resourceOwner: 'org-1' },
            profile: { firstName: 'Ada', lastName: 'Lovelace', displayName: 'Ada L.', gender: 1 },
          },
          trailer,
        );
        return;
      }
      case 'Bearer slow': {
        // Would answer after 10 s; a cancelled call must be noticed long before.
        const timer = setTimeout(() => callback(null, {}), 10_000);
        timer.unref();
        call.on('cancelled', () => {
          clearTimeout(timer);
          slowCancelled.resolve(Date.now());
        });
        slowStarted.resolve();
        return;
      }
      case 'Bearer headers-first': {
        // Initial metadata first, so the error status travels in trailers (not trailers-only).
        call.sendMetadata(new grpc.Metadata());
        callback({ code: grpc.status.PERMISSION_DENIED, details: 'not allowed here' });
        return;
      }
      default: {
        const trailer = new grpc.Metadata();
        trailer.set('grpc-status-details-bin', DETAILS_BIN);
        callback({
          code: grpc.status.UNAUTHENTICATED,
          details: 'token invalid',
          metadata: trailer,
        });
      }
    }
  },
  UpdateMyProfile(
    call: grpc.ServerUnaryCall<{ firstName: string }, unknown>,
    callback: grpc.sendUnaryData<unknown>,
  ): void {
    seen.push({ metadata: call.metadata, deadline: call.getDeadline() });
    const org = call.metadata.get('x-org')[0];
    callback(null, {
      details: {
        sequence: String(call.request.firstName.length),
        resourceOwner: typeof org === 'string' ? org : '',
      },
    });
  },
};

async function startGrpcServer(): Promise<{ server: grpc.Server; port: number }> {
  const definition = protoLoader.loadSync('zitadel/auth.proto', {
    keepCase: false,
    longs: String,
    enums: Number,
    defaults: true,
    includeDirs: [PROTO_DIR],
  });
  const server = new grpc.Server();
  server.addService(
    definition['zitadel.auth.v1.AuthService'] as grpc.ServiceDefinition,
    fixtureHandlers,
  );
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
  return { server, port };
}

// --- HTTP/1.1 front server: proxy middleware, then a fallback that proves next() ---------------

interface Front {
  server: http.Server;
  url: string;
  connections: () => number;
  fallbackHits: string[];
}

async function startFront(proxy: GrpcWebProxy): Promise<Front> {
  const fallbackHits: string[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    proxy.middleware(req, res, (err) => {
      fallbackHits.push(`${req.method} ${req.url}`);
      res.writeHead(err ? 500 : 404, { 'content-type': 'text/plain' });
      res.end('fallback');
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, connections: () => connections, fallbackHits };
}

async function stopFront(front: Front): Promise<void> {
  front.server.closeAllConnections();
  await new Promise<void>((resolve) => front.server.close(() => resolve()));
}

// --- raw HTTP helpers -------------------------------------------------------------------------

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request on its own connection; `body` parts are written one by one. */
function rawRequest(
  url: string,
  method: string,
  headers: http.OutgoingHttpHeaders,
  body: (Buffer | string)[] = [],
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    for (const part of body) req.write(part);
    req.end();
  });
}

/** A length-prefixed (uncompressed) gRPC message frame. */
function dataFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

function parseFrames(body: Buffer): { flag: number; payload: Buffer }[] {
  const frames: { flag: number; payload: Buffer }[] = [];
  let offset = 0;
  while (offset < body.length) {
    expect(body.length - offset).toBeGreaterThanOrEqual(5);
    const length = body.readUInt32BE(offset + 1);
    frames.push({ flag: body[offset]!, payload: body.subarray(offset + 5, offset + 5 + length) });
    offset += 5 + length;
  }
  expect(offset).toBe(body.length);
  return frames;
}

/** Decodes a grpc-web-text body, which may be several padded base64 chunks. */
function decodeBase64Chunks(text: string): Buffer {
  expect(text.length % 4).toBe(0);
  expect(text).toMatch(/^[A-Za-z0-9+/=]*$/);
  const chunks = text.match(/[A-Za-z0-9+/]+=*/g) ?? [];
  return Buffer.concat(chunks.map((chunk) => Buffer.from(chunk, 'base64')));
}

function parseTrailer(payload: Buffer): Record<string, string> {
  const trailer: Record<string, string> = {};
  const text = payload.toString('utf8');
  expect(text.endsWith('\r\n')).toBe(true);
  for (const line of text.split('\r\n').filter((l) => l !== '')) {
    const colon = line.indexOf(':');
    const key = line.slice(0, colon);
    expect(key).toBe(key.toLowerCase());
    trailer[key] = line.slice(colon + 1).trim();
  }
  return trailer;
}

async function expectConnectError(promise: Promise<unknown>): Promise<ConnectError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  return err as ConnectError;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

// --- tests --------------------------------------------------------------------------------------

describe('gRPC-web proxy', () => {
  const warnings: string[] = [];
  const errors: string[] = [];
  const logger = { warn: (m: string) => warnings.push(m), error: (m: string) => errors.push(m) };

  let grpcServer: grpc.Server;
  let grpcTarget: string;
  let proxy: GrpcWebProxy;
  let front: Front;
  let client: Client<typeof AuthService>;
  const extraProxies: GrpcWebProxy[] = [];
  const extraFronts: Front[] = [];
  const extraServers: http2.Http2Server[] = [];

  beforeAll(async () => {
    const started = await startGrpcServer();
    grpcServer = started.server;
    grpcTarget = `http://127.0.0.1:${started.port}`;
    proxy = createGrpcWebProxy({ target: grpcTarget, logger });
    front = await startFront(proxy);
    client = createClient(
      AuthService,
      createGrpcWebTransport({ baseUrl: front.url, httpVersion: '1.1' }),
    );
  });

  afterAll(async () => {
    for (const f of [front, ...extraFronts]) await stopFront(f);
    await Promise.all([proxy, ...extraProxies].map((p) => p.close()));
    for (const s of extraServers) await new Promise<void>((resolve) => s.close(() => resolve()));
    await new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()));
  });

  beforeEach(() => {
    seen.length = 0;
  });

  afterEach(() => {
    // Nothing in the happy paths may reach the error log.
    expect(errors).toEqual([]);
  });

  describe('with @connectrpc/connect-node (gRPC-web over HTTP/1.1)', () => {
    it('forwards a unary call with its metadata, and returns initial and trailing metadata', async () => {
      let header: Headers | undefined;
      let trailer: Headers | undefined;
      const res = await client.getMyProfile(
        {},
        {
          headers: { authorization: 'Bearer good', 'x-custom': 'custom-value' },
          timeoutMs: 5000,
          onHeader: (h) => (header = h),
          onTrailer: (t) => (trailer = t),
        },
      );

      expect(res.profile?.firstName).toBe('Ada');
      expect(res.profile?.lastName).toBe('Lovelace');
      expect(res.details?.sequence).toBe(42n);
      expect(res.details?.resourceOwner).toBe('org-1');
      expect(header?.get('x-request-id')).toBe('req-1');
      expect(trailer?.get('x-trace')).toBe('trace-1');
      expect(trailer?.get('grpc-status')).toBe('0');

      expect(seen).toHaveLength(1);
      const { metadata, deadline } = seen[0]!;
      expect(metadata.get('authorization')).toEqual(['Bearer good']);
      expect(metadata.get('x-custom')).toEqual(['custom-value']);
      expect(metadata.get('x-forwarded-for')).toEqual(['127.0.0.1']);
      for (const dropped of [
        'x-grpc-web',
        'x-user-agent',
        'host',
        'connection',
        'content-length',
      ]) {
        expect(metadata.get(dropped)).toEqual([]);
      }
      // grpc-timeout made it upstream: grpc-js turned it into a deadline about 5 s away.
      // (Without grpc-timeout the deadline would be Infinity.)
      const remaining = (deadline instanceof Date ? deadline.getTime() : deadline) - Date.now();
      expect(remaining).toBeGreaterThan(0);
      expect(remaining).toBeLessThanOrEqual(5000);
    });

    it('passes a trailers-only error through with code, message and status details', async () => {
      const err = await expectConnectError(
        client.getMyProfile({}, { headers: { authorization: 'Bearer bad' } }),
      );
      expect(err.code).toBe(Code.Unauthenticated);
      expect(err.rawMessage).toBe('token invalid');
      expect(err.findDetails(ErrorDetailSchema)).toEqual([
        expect.objectContaining({ id: 'AUTH-T1', message: 'expired' }),
      ]);
      const raw = err.metadata.get('grpc-status-details-bin');
      expect(raw).not.toBeNull();
      expect(Buffer.from(raw!, 'base64').equals(DETAILS_BIN)).toBe(true);
    });

    it('reports an error that follows initial metadata (status in the trailer frame)', async () => {
      const err = await expectConnectError(
        client.getMyProfile({}, { headers: { authorization: 'Bearer headers-first' } }),
      );
      expect(err.code).toBe(Code.PermissionDenied);
      expect(err.rawMessage).toBe('not allowed here');
    });

    it('serves several calls over one kept-alive HTTP/1.1 connection', async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const keepAliveClient = createClient(
          AuthService,
          createGrpcWebTransport({
            baseUrl: front.url,
            httpVersion: '1.1',
            nodeOptions: { agent },
          }),
        );
        const before = front.connections();
        const headers = { authorization: 'Bearer good', 'x-org': 'org-9' };
        const first = await keepAliveClient.getMyProfile({}, { headers });
        const failed = await expectConnectError(
          keepAliveClient.getMyProfile({}, { headers: { authorization: 'Bearer nope' } }),
        );
        const second = await keepAliveClient.updateMyProfile({ firstName: 'Grace' }, { headers });
        const third = await keepAliveClient.getMyProfile({}, { headers });

        expect(first.profile?.firstName).toBe('Ada');
        expect(failed.code).toBe(Code.Unauthenticated);
        expect(second.details?.sequence).toBe(5n);
        expect(second.details?.resourceOwner).toBe('org-9');
        expect(third.profile?.firstName).toBe('Ada');
        expect(front.connections() - before).toBe(1);
      } finally {
        agent.destroy();
      }
    });
  });

  describe('with raw HTTP requests', () => {
    it('decodes a base64 grpc-web-text body in several padded chunks and encodes the answer', async () => {
      const request = toBinary(
        UpdateMyProfileRequestSchema,
        create(UpdateMyProfileRequestSchema, { firstName: 'Grace Brewster', lastName: 'Hopper' }),
      );
      const frame = dataFrame(request);
      // Two independently padded chunks ("xxxxxxxxxx==" + "...="), written in three pieces; the
      // middle piece holds the first chunk's padding followed by data of the second chunk.
      const first = frame.subarray(0, 7).toString('base64');
      const second = frame.subarray(7).toString('base64');
      expect(first).toMatch(/^[^=]{10}==$/);
      const body = first + second;
      expect(body.length).toBeGreaterThan(20);
      const res = await rawRequest(
        `${front.url}${UPDATE_PATH}`,
        'POST',
        {
          'content-type': 'application/grpc-web-text',
          accept: 'application/grpc-web-text',
          'x-grpc-web': '1',
          'x-org': 'org-text',
        },
        [body.slice(0, 5), body.slice(5, 20), body.slice(20)],
      );

      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/grpc-web-text+proto');
      expect(res.headers['grpc-status']).toBeUndefined();
      const frames = parseFrames(decodeBase64Chunks(res.body.toString('latin1')));
      expect(frames.map((f) => f.flag)).toEqual([0x00, 0x80]);
      const answer = fromBinary(UpdateMyProfileResponseSchema, frames[0]!.payload);
      expect(answer.details?.sequence).toBe(BigInt('Grace Brewster'.length));
      expect(answer.details?.resourceOwner).toBe('org-text');
      const trailer = parseTrailer(frames[1]!.payload);
      expect(trailer['grpc-status']).toBe('0');
      expect(trailer).toHaveProperty('grpc-message');
    });

    it('streams a large grpc-web-text body through', async () => {
      const firstName = 'x'.repeat(1_000_000);
      const request = toBinary(
        UpdateMyProfileRequestSchema,
        create(UpdateMyProfileRequestSchema, { firstName }),
      );
      const text = dataFrame(request).toString('base64');
      const parts: string[] = [];
      for (let i = 0; i < text.length; i += 65_537) parts.push(text.slice(i, i + 65_537));
      const res = await rawRequest(
        `${front.url}${UPDATE_PATH}`,
        'POST',
        { 'content-type': 'application/grpc-web-text+proto' },
        parts,
      );
      const frames = parseFrames(decodeBase64Chunks(res.body.toString('latin1')));
      expect(frames.map((f) => f.flag)).toEqual([0x00, 0x80]);
      const answer = fromBinary(UpdateMyProfileResponseSchema, frames[0]!.payload);
      expect(answer.details?.sequence).toBe(BigInt(firstName.length));
    });

    it('answers binary grpc-web with the data frame and a trailer frame', async () => {
      const res = await rawRequest(
        `${front.url}${GET_PATH}`,
        'POST',
        {
          'content-type': 'application/grpc-web+proto; charset=utf-8',
          authorization: 'Bearer good',
        },
        [dataFrame(new Uint8Array(0))],
      );
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/grpc-web+proto');
      expect(res.headers['x-request-id']).toBe('req-1');
      const frames = parseFrames(res.body);
      expect(frames.map((f) => f.flag)).toEqual([0x00, 0x80]);
      const answer = fromBinary(GetMyProfileResponseSchema, frames[0]!.payload);
      expect(answer.profile?.displayName).toBe('Ada L.');
      const trailer = parseTrailer(frames[1]!.payload);
      expect(trailer['grpc-status']).toBe('0');
      expect(trailer['x-trace']).toBe('trace-1');
    });

    it('turns a trailers-only upstream status into a body of one trailer frame', async () => {
      const res = await rawRequest(
        `${front.url}${GET_PATH}`,
        'POST',
        { 'content-type': 'application/grpc-web', authorization: 'Bearer bad' },
        [dataFrame(new Uint8Array(0))],
      );
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/grpc-web+proto');
      expect(res.headers['grpc-status']).toBeUndefined();
      const frames = parseFrames(res.body);
      expect(frames.map((f) => f.flag)).toEqual([0x80]);
      const trailer = parseTrailer(frames[0]!.payload);
      expect(trailer['grpc-status']).toBe('16');
      expect(decodeURIComponent(trailer['grpc-message']!)).toBe('token invalid');
      const details = Buffer.from(trailer['grpc-status-details-bin']!, 'base64');
      expect(details.equals(DETAILS_BIN)).toBe(true);
    });

    it('sends the status in a trailer frame when the error follows initial metadata', async () => {
      const res = await rawRequest(
        `${front.url}${GET_PATH}`,
        'POST',
        { 'content-type': 'application/grpc-web-text', authorization: 'Bearer headers-first' },
        [dataFrame(new Uint8Array(0)).toString('base64')],
      );
      expect(res.headers['grpc-status']).toBeUndefined();
      const frames = parseFrames(decodeBase64Chunks(res.body.toString('latin1')));
      expect(frames.map((f) => f.flag)).toEqual([0x80]);
      const trailer = parseTrailer(frames[0]!.payload);
      expect(trailer['grpc-status']).toBe(String(grpc.status.PERMISSION_DENIED));
      expect(decodeURIComponent(trailer['grpc-message']!)).toBe('not allowed here');
    });

    it('rejects a grpc-web-text body that is not base64 with a gRPC status', async () => {
      const res = await rawRequest(
        `${front.url}${GET_PATH}`,
        'POST',
        { 'content-type': 'application/grpc-web-text', authorization: 'Bearer good' },
        ['AAAA*AAA'],
      );
      expect(res.status).toBe(200);
      const frames = parseFrames(decodeBase64Chunks(res.body.toString('latin1')));
      expect(frames.map((f) => f.flag)).toEqual([0x80]);
      expect(parseTrailer(frames[0]!.payload)['grpc-status']).toBe(String(grpc.status.INTERNAL));
    });
  });

  describe('CORS', () => {
    it('answers a gRPC-web preflight', async () => {
      const res = await rawRequest(`${front.url}${GET_PATH}`, 'OPTIONS', {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-grpc-web,x-user-agent,x-tenant',
      });
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(res.headers['access-control-allow-methods']).toBe('POST, OPTIONS');
      const allowed = String(res.headers['access-control-allow-headers']).split(/,\s*/);
      expect(allowed).toEqual(
        expect.arrayContaining([
          'authorization',
          'content-type',
          'x-grpc-web',
          'x-user-agent',
          'grpc-timeout',
          'x-tenant',
        ]),
      );
      expect(Number(res.headers['access-control-max-age'])).toBeGreaterThan(0);
      expect(front.fallbackHits).not.toContain(`OPTIONS ${GET_PATH}`);
    });

    it('leaves other OPTIONS requests to the next handler', async () => {
      const notGrpc = await rawRequest(`${front.url}/healthz`, 'OPTIONS', {
        origin: 'https://app.example',
        'access-control-request-headers': 'content-type',
      });
      const noPreflight = await rawRequest(`${front.url}${GET_PATH}`, 'OPTIONS', {});
      expect(notGrpc.status).toBe(404);
      expect(noPreflight.status).toBe(404);
      expect(front.fallbackHits).toEqual(
        expect.arrayContaining(['OPTIONS /healthz', `OPTIONS ${GET_PATH}`]),
      );
    });

    it('exposes the gRPC headers on real responses', async () => {
      const res = await rawRequest(
        `${front.url}${GET_PATH}`,
        'POST',
        {
          origin: 'https://app.example',
          'content-type': 'application/grpc-web+proto',
          authorization: 'Bearer good',
        },
        [dataFrame(new Uint8Array(0))],
      );
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
      const exposed = String(res.headers['access-control-expose-headers']).split(/,\s*/);
      expect(exposed).toEqual(
        expect.arrayContaining([
          'grpc-status',
          'grpc-message',
          'grpc-status-details-bin',
          'x-request-id',
        ]),
      );

      const failed = await rawRequest(
        `${front.url}${GET_PATH}`,
        'POST',
        { 'content-type': 'application/grpc-web+proto', authorization: 'Bearer bad' },
        [dataFrame(new Uint8Array(0))],
      );
      expect(failed.headers['access-control-allow-origin']).toBe('*');
      expect(String(failed.headers['access-control-expose-headers'])).toContain('grpc-status');
    });
  });

  describe('upstream failures', () => {
    it('answers UNAVAILABLE in well-formed gRPC-web when the target is down', async () => {
      const downProxy = createGrpcWebProxy({
        target: `http://127.0.0.1:${await freePort()}`,
        logger,
      });
      extraProxies.push(downProxy);
      const downFront = await startFront(downProxy);
      extraFronts.push(downFront);
      warnings.length = 0;

      const downClient = createClient(
        AuthService,
        createGrpcWebTransport({ baseUrl: downFront.url, httpVersion: '1.1' }),
      );
      const err = await expectConnectError(
        downClient.getMyProfile({}, { headers: { authorization: 'Bearer good' } }),
      );
      expect(err.code).toBe(Code.Unavailable);
      expect(err.rawMessage).toBe('upstream unavailable');

      const res = await rawRequest(
        `${downFront.url}${GET_PATH}`,
        'POST',
        { 'content-type': 'application/grpc-web-text' },
        [dataFrame(new Uint8Array(0)).toString('base64')],
      );
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/grpc-web-text+proto');
      const frames = parseFrames(decodeBase64Chunks(res.body.toString('latin1')));
      expect(frames.map((f) => f.flag)).toEqual([0x80]);
      const trailer = parseTrailer(frames[0]!.payload);
      expect(trailer['grpc-status']).toBe(String(grpc.status.UNAVAILABLE));
      expect(trailer['grpc-message']).not.toMatch(/ECONNREFUSED|at /);
      // The cause goes to the log, not to the client.
      expect(warnings.join('\n')).toMatch(/ECONNREFUSED/);
    });

    it('maps a non-200 upstream HTTP status, shares one HTTP/2 session and reconnects', async () => {
      // A plain HTTP/2 server in place of the gRPC server: answers 404 and records what it got.
      const notGrpc = http2.createServer();
      const sessions: http2.ServerHttp2Session[] = [];
      const requests: http2.IncomingHttpHeaders[] = [];
      notGrpc.on('session', (session) => sessions.push(session));
      notGrpc.on('stream', (stream, headers) => {
        requests.push(headers);
        stream.respond({ ':status': 404, 'content-type': 'text/plain' });
        stream.end('not found');
      });
      extraServers.push(notGrpc);
      await new Promise<void>((resolve) => notGrpc.listen(0, '127.0.0.1', resolve));
      const { port } = notGrpc.address() as net.AddressInfo;
      const p = createGrpcWebProxy({ target: `http://127.0.0.1:${port}`, logger });
      extraProxies.push(p);
      const f = await startFront(p);
      extraFronts.push(f);
      const c = createClient(
        AuthService,
        createGrpcWebTransport({ baseUrl: f.url, httpVersion: '1.1' }),
      );

      // https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md: 404 -> 12
      const first = await expectConnectError(c.getMyProfile({}));
      expect(first.code).toBe(Code.Unimplemented);
      const second = await expectConnectError(c.updateMyProfile({ firstName: 'x' }));
      expect(second.code).toBe(Code.Unimplemented);
      expect(sessions).toHaveLength(1);
      expect(requests).toHaveLength(2);
      expect(requests[0]).toMatchObject({
        ':method': 'POST',
        ':path': GET_PATH,
        'content-type': 'application/grpc+proto',
        te: 'trailers',
      });
      expect(requests[1]![':path']).toBe(UPDATE_PATH);

      // The upstream drops the connection: the next call opens a new session.
      const closed = new Promise<void>((resolve) => sessions[0]!.once('close', () => resolve()));
      sessions[0]!.destroy();
      await closed;
      await new Promise((resolve) => setTimeout(resolve, 100));
      const third = await expectConnectError(c.getMyProfile({}));
      expect(third.code).toBe(Code.Unimplemented);
      expect(sessions).toHaveLength(2);
    });

    it('answers RESOURCE_EXHAUSTED when the request body exceeds the cap', async () => {
      const p = createGrpcWebProxy({ target: grpcTarget, logger, maxRequestBytes: 64 });
      extraProxies.push(p);
      const f = await startFront(p);
      extraFronts.push(f);
      const c = createClient(
        AuthService,
        createGrpcWebTransport({ baseUrl: f.url, httpVersion: '1.1' }),
      );
      const err = await expectConnectError(c.updateMyProfile({ firstName: 'x'.repeat(200) }));
      expect(err.code).toBe(Code.ResourceExhausted);
    });
  });

  describe('cancellation', () => {
    it('cancels the upstream call when the client aborts', async () => {
      slowStarted = new Deferred<void>();
      slowCancelled = new Deferred<number>();
      const controller = new AbortController();
      const call = client.getMyProfile(
        {},
        { headers: { authorization: 'Bearer slow' }, signal: controller.signal },
      );
      await slowStarted.promise;
      const abortedAt = Date.now();
      controller.abort();

      const err = await expectConnectError(call);
      expect(err.code).toBe(Code.Canceled);
      const timeout = new Promise<'timeout'>((resolve) =>
        setTimeout(() => resolve('timeout'), 2000).unref(),
      );
      const cancelledAt = await Promise.race([slowCancelled.promise, timeout]);
      expect(cancelledAt).not.toBe('timeout');
      expect((cancelledAt as number) - abortedAt).toBeLessThan(2000);
    });
  });

  describe('other requests', () => {
    it('passes non-gRPC-web requests to next()', async () => {
      const json = await rawRequest(
        `${front.url}${GET_PATH}`,
        'POST',
        { 'content-type': 'application/json' },
        ['{}'],
      );
      const get = await rawRequest(`${front.url}${GET_PATH}`, 'GET', {
        'content-type': 'application/grpc-web',
      });
      const grpcWebJson = await rawRequest(
        `${front.url}${GET_PATH}`,
        'POST',
        { 'content-type': 'application/grpc-web+json' },
        ['{}'],
      );
      for (const res of [json, get, grpcWebJson]) {
        expect(res.status).toBe(404);
        expect(res.body.toString()).toBe('fallback');
      }
      expect(front.fallbackHits.filter((h) => h.endsWith(GET_PATH))).toEqual(
        expect.arrayContaining([`POST ${GET_PATH}`, `GET ${GET_PATH}`]),
      );
      expect(seen).toHaveLength(0);
    });
  });
});
