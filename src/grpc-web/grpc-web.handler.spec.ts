import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Metadata } from '@grpc/grpc-js';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { of, throwError } from 'rxjs';
import { AppError } from '../common/errors/app-error.js';
import { statusOf } from '../common/errors/status.js';
import { EncodedRequest } from '../common/proto/encoded-request.js';
import { toGrpcServiceError } from '../common/filters/all-exceptions.filter.js';
import {
  AuthService,
  UpdateMyProfileRequestSchema,
  UpdateMyProfileResponseSchema,
} from '../gen/zitadel/auth_pb.js';
import { StatusSchema } from '../gen/google/rpc/status_pb.js';
import { createGrpcWebMiddleware, GrpcWebServerCall, type RpcHandler } from './grpc-web.handler.js';

const UPDATE = '/zitadel.auth.v1.AuthService/UpdateMyProfile';

function frame(payload: Uint8Array, flag = 0): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out.writeUInt8(flag, 0);
  out.writeUInt32BE(payload.length, 1);
  Buffer.from(payload).copy(out, 5);
  return out;
}

function framesOf(body: Buffer): { flag: number; payload: Buffer }[] {
  const frames = [];
  for (let at = 0; at < body.length;) {
    const length = body.readUInt32BE(at + 1);
    frames.push({ flag: body.readUInt8(at), payload: body.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return frames;
}

function trailerOf(payload: Buffer): Record<string, string> {
  return Object.fromEntries(
    payload
      .toString()
      .split('\r\n')
      .filter((line) => line !== '')
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
  );
}

describe('gRPC-web middleware (in process, over a stand-in Nest handler)', () => {
  let server: Server;
  let base: string;
  /** What the stand-in handler received, per call. */
  const calls: { data: unknown; metadata: Metadata; call: unknown }[] = [];
  let respond: RpcHandler;
  let passedOn = 0;

  beforeAll(async () => {
    const middleware = createGrpcWebMiddleware({
      resolve: (path) =>
        path === UPDATE
          ? {
              method: AuthService.method.updateMyProfile,
              handler: (data, metadata, call) => {
                calls.push({ data, metadata, call });
                return respond(data, metadata, call);
              },
              toObservable: (result) => result as never,
            }
          : undefined,
      maxRequestBytes: 1024,
      logger: { error: () => undefined },
    });
    server = createServer((req, res) =>
      middleware(req, res, () => {
        passedOn++;
        res.writeHead(404).end();
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    calls.length = 0;
    respond = () => Promise.resolve(of(create(UpdateMyProfileResponseSchema, {})));
  });

  const post = (body: Uint8Array | string, headers: Record<string, string> = {}, path = UPDATE) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+proto', ...headers },
      body,
    });
  const request = toBinary(
    UpdateMyProfileRequestSchema,
    create(UpdateMyProfileRequestSchema, { firstName: 'Ada' }),
  );

  it('hands the message bytes and the metadata to the handler, and frames its answer', async () => {
    respond = (_data, _metadata, call) => {
      const initial = new Metadata();
      initial.set('x-request-id', 'r-1');
      (call as GrpcWebServerCall).sendMetadata(initial);
      return Promise.resolve(
        of(create(UpdateMyProfileResponseSchema, { details: { sequence: 7n } })),
      );
    };
    const res = await post(frame(request), {
      authorization: 'Bearer t',
      'x-custom-bin': Buffer.from([1, 2, 3]).toString('base64'),
      origin: 'https://app.test',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/grpc-web+proto');
    expect(res.headers.get('x-request-id')).toBe('r-1');
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.test');
    expect(res.headers.get('access-control-expose-headers')).toContain('grpc-status-details-bin');
    const [message, trailer, ...rest] = framesOf(Buffer.from(await res.arrayBuffer()));
    expect(rest).toEqual([]);
    expect(message?.flag).toBe(0);
    expect(fromBinary(UpdateMyProfileResponseSchema, message!.payload).details?.sequence).toBe(7n);
    expect(trailer?.flag).toBe(0x80);
    expect(trailerOf(trailer!.payload)).toEqual({ 'grpc-status': '0', 'grpc-message': '' });

    const [{ data, metadata, call }] = calls as [(typeof calls)[number]];
    expect(data).toBeInstanceOf(EncodedRequest);
    expect((data as EncodedRequest<typeof UpdateMyProfileRequestSchema>).decode().firstName).toBe(
      'Ada',
    );
    expect(metadata.get('authorization')).toEqual(['Bearer t']);
    expect(metadata.get('x-custom-bin')).toEqual([Buffer.from([1, 2, 3])]);
    expect(metadata.get('content-type')).toEqual([]);
    expect(call).toBeInstanceOf(GrpcWebServerCall);
    expect((call as GrpcWebServerCall).transport).toBe('grpc-web');
  });

  it('answers an error in the trailer frame, with the Status in grpc-status-details-bin', async () => {
    class Refused extends AppError {
      readonly code = 9;
      constructor() {
        super('Profile not changed', { id: 'COMMAND-2M0fs' });
      }
    }
    const status = statusOf(new Refused());
    respond = () => Promise.resolve(throwError(() => toGrpcServiceError(status)));
    const res = await post(frame(request));
    expect(res.status).toBe(200);
    const frames = framesOf(Buffer.from(await res.arrayBuffer()));
    expect(frames.map((f) => f.flag)).toEqual([0x80]);
    const trailer = trailerOf(frames[0]!.payload);
    expect(trailer['grpc-status']).toBe('9');
    expect(decodeURIComponent(trailer['grpc-message']!)).toBe(
      'Profile not changed (COMMAND-2M0fs)',
    );
    const details = fromBinary(
      StatusSchema,
      Buffer.from(trailer['grpc-status-details-bin']!, 'base64'),
    );
    expect(details.code).toBe(9);
    expect(details.message).toBe('Profile not changed (COMMAND-2M0fs)');
  });

  it('speaks grpc-web-text: base64 in (several padded runs), base64 out', async () => {
    const body = frame(request);
    const text = body.subarray(0, 4).toString('base64') + body.subarray(4).toString('base64');
    const res = await post(text, { 'content-type': 'application/grpc-web-text' });
    expect(res.headers.get('content-type')).toBe('application/grpc-web-text+proto');
    const frames = framesOf(Buffer.from(await res.text(), 'base64'));
    expect(frames.map((f) => f.flag)).toEqual([0, 0x80]);
    expect(
      (calls[0]?.data as EncodedRequest<typeof UpdateMyProfileRequestSchema>).decode().firstName,
    ).toBe('Ada');
  });

  it.each([
    ['an empty body', Buffer.alloc(0), 12, 'Received no request message'],
    ['a truncated frame', frame(request).subarray(0, 8), 3, 'not one gRPC-web message frame'],
    ['a compressed frame', frame(request, 1), 12, 'compressed request messages are not supported'],
    [
      'two messages',
      Buffer.concat([frame(request), frame(request)]),
      12,
      'a second request message',
    ],
    ['an oversized body', frame(new Uint8Array(2000)), 8, 'larger than 1024 bytes'],
  ])(
    'refuses %s after the handler has seen the call (its guard runs first)',
    async (_, body, code, message) => {
      let seen: unknown;
      respond = (data) => {
        seen = data;
        try {
          (data as EncodedRequest).decode();
        } catch (error) {
          return Promise.resolve(throwError(() => toGrpcServiceError(statusOf(error as AppError))));
        }
        return Promise.resolve(of(create(UpdateMyProfileResponseSchema, {})));
      };
      const res = await post(body);
      expect(seen).toBeInstanceOf(EncodedRequest);
      const trailer = trailerOf(framesOf(Buffer.from(await res.arrayBuffer()))[0]!.payload);
      expect(trailer['grpc-status']).toBe(String(code));
      expect(decodeURIComponent(trailer['grpc-message']!)).toContain(message);
    },
  );

  it("answers 4 at the client's grpc-timeout, and hands the handler that deadline", async () => {
    let deadline = 0;
    respond = (_data, _metadata, call) => {
      deadline = (call as GrpcWebServerCall).getDeadline();
      return new Promise(() => undefined); // never answers
    };
    const started = Date.now();
    const res = await post(frame(request), { 'grpc-timeout': '150m' });
    const trailer = trailerOf(framesOf(Buffer.from(await res.arrayBuffer()))[0]!.payload);
    expect(trailer['grpc-status']).toBe('4');
    expect(decodeURIComponent(trailer['grpc-message']!)).toBe('Deadline exceeded');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(deadline).toBeGreaterThan(started);
    expect(deadline).toBeLessThanOrEqual(started + 1000);
  });

  it('answers 12 for a method it does not serve, without calling anything', async () => {
    const res = await post(frame(request), {}, '/zitadel.auth.v1.AuthService/Nope');
    const trailer = trailerOf(framesOf(Buffer.from(await res.arrayBuffer()))[0]!.payload);
    expect(trailer['grpc-status']).toBe('12');
    expect(decodeURIComponent(trailer['grpc-message']!)).toBe(
      'The server does not implement the method /zitadel.auth.v1.AuthService/Nope',
    );
    expect(trailer['grpc-status-details-bin']).toBeDefined();
    expect(calls).toHaveLength(0);
  });

  it('answers CORS preflights of gRPC-web calls, and passes everything else on', async () => {
    const preflight = await fetch(`${base}${UPDATE}`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.test',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-grpc-web,authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.test');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const before = passedOn;
    expect((await fetch(`${base}/auth/v1/users/me/profile`)).status).toBe(404);
    expect((await post('{}', { 'content-type': 'application/json' })).status).toBe(404);
    expect(passedOn).toBe(before + 2);
  });
});
