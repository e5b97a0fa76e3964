// Hostile gRPC at the HTTP/2 level (a raw client, not a gRPC library): every call that reaches a
// method ends with a status and the google.rpc.Status details, the token is checked first where
// grpc-js lets the call through to the handler, and the server goes on serving others.
import http2 from 'node:http2';
import { startTestApp, type TestApp } from '../support/app.js';
import { AuthGrpcClient } from '../support/grpc.js';
import { decodeStatus, statusJson } from '../support/status.js';

const GET = '/zitadel.auth.v1.AuthService/GetMyProfile';

interface RawCall {
  grpcStatus: string | undefined;
  message: string;
  details: ReturnType<typeof statusJson> | undefined;
  rstCode: number | undefined;
}

function frame(flag: number, payload: Buffer, lie = 0): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out.writeUInt8(flag, 0);
  out.writeUInt32BE(payload.length + lie, 1);
  payload.copy(out, 5);
  return out;
}

/** One call on its own HTTP/2 session; its status from headers or trailers; at most 10 s. */
function call(target: string, headers: http2.OutgoingHttpHeaders, body: Buffer): Promise<RawCall> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${target}`);
    session.on('error', () => undefined);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error('no answer within 10 s'));
    }, 10_000);
    const fields: Record<string, string> = {};
    const req = session.request({
      ':method': 'POST',
      ':path': GET,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...headers,
    });
    const take = (h: http2.IncomingHttpHeaders) => {
      for (const key of ['grpc-status', 'grpc-message', 'grpc-status-details-bin']) {
        const value = h[key];
        if (typeof value === 'string') fields[key] = value;
      }
    };
    req.on('response', take);
    req.on('trailers', take);
    req.on('data', () => undefined);
    req.on('error', () => undefined);
    req.on('close', () => {
      clearTimeout(timer);
      session.close();
      const bin = fields['grpc-status-details-bin'];
      resolve({
        grpcStatus: fields['grpc-status'],
        message: decodeURIComponent(fields['grpc-message'] ?? ''),
        details: bin === undefined ? undefined : statusJson(decodeStatus(bin)),
        rstCode: req.rstCode,
      });
    });
    req.end(body);
  });
}

describe('gRPC under abuse', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    token = (await t.subject('grpc-abuse')).token;
  });
  afterAll(async () => {
    await t?.close();
  });

  const bearer = () => ({ authorization: `Bearer ${token}` });
  const empty = frame(0, Buffer.alloc(0));

  it('refuses a 40 KB token with 16 and the Status, not a reset', async () => {
    const res = await call(t.grpcTarget, { authorization: `Bearer ${'a'.repeat(40_000)}` }, empty);
    expect(res.grpcStatus).toBe('16');
    expect(res.details).toMatchObject({ code: 16, message: 'Token is invalid (AUTH-7fs1e)' });
  });

  it('checks the token before refusing an oversized message, then answers 8 with details', async () => {
    const big = frame(0, Buffer.alloc(5 * 1024 * 1024));
    const anonymous = await call(t.grpcTarget, {}, big);
    expect(anonymous.grpcStatus).toBe('16');
    expect(anonymous.message).toBe('auth header missing');
    const authenticated = await call(t.grpcTarget, bearer(), big);
    expect(authenticated.grpcStatus).toBe('8');
    expect(authenticated.details).toEqual({
      code: 8,
      message: 'invalid GetMyProfileRequest: the request is larger than 4194304 bytes',
      details: [],
    });
  });

  it.each([
    ['no message at all', Buffer.alloc(0), '12'],
    ['a length prefix larger than the message', frame(0, Buffer.alloc(3), 10), '12'],
    ['two messages for a unary method', Buffer.concat([empty, empty]), '12'],
    ['a compressed-flag frame without an encoding', frame(1, Buffer.from([0x0a, 0xff])), '3'],
    ['malformed protobuf', frame(0, Buffer.from([0x0a, 0xff, 0xff])), '3'],
  ])('answers %s with a status and its details', async (_, body, code) => {
    const res = await call(t.grpcTarget, bearer(), body);
    expect(res.grpcStatus).toBe(code);
    expect(res.details?.code).toBe(Number(code));
    expect(res.details?.message).toBe(res.message);
  });

  it('survives many streams and rapid resets on one connection, and serves others meanwhile', async () => {
    const session = http2.connect(`http://${t.grpcTarget}`);
    session.on('error', () => undefined);
    const openStream = () => {
      const req = session.request({
        ':method': 'POST',
        ':path': GET,
        'content-type': 'application/grpc',
        te: 'trailers',
        ...bearer(),
      });
      req.on('error', () => undefined);
      return req;
    };
    // Open and cancel streams as fast as possible (the "rapid reset" pattern).
    for (let i = 0; i < 500; i++) openStream().close(http2.constants.NGHTTP2_CANCEL);
    // And many at once, left open.
    const open = Array.from({ length: 300 }, openStream);
    const client = new AuthGrpcClient(t.grpcTarget);
    try {
      const other = await t.subject('grpc-abuse-bystander');
      await expect(client.getMyProfile(other.token)).rejects.toMatchObject({ code: 5 });
    } finally {
      client.close();
      for (const req of open) req.close(http2.constants.NGHTTP2_CANCEL);
      session.destroy();
    }
    // Still up for a fresh connection.
    const after = await call(t.grpcTarget, bearer(), empty);
    expect(after.grpcStatus).toBe('5');
  });
});
