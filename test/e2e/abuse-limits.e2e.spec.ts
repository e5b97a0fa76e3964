// RATE_LIMIT_PER_MINUTE on every transport, and the security headers of HTTP answers (contract
// section 8).
import { create, toBinary } from '@bufbuild/protobuf';
import { type Client } from '@connectrpc/connect';
import { type AuthService, GetMyProfileRequestSchema } from '../../src/gen/zitadel/auth_pb.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { connectError, connectStatus, withToken, authGrpcWebClient } from '../support/connect.js';
import { AuthGrpcClient, grpcError, grpcStatus } from '../support/grpc.js';
import { grpcWebFetch } from '../support/grpc-web.js';
import { http } from '../support/http.js';

const PROFILE = '/auth/v1/users/me/profile';
const LIMITED = { code: 8, message: 'too many requests, try again later', details: [] };
const LIMIT = 3;

describe('RATE_LIMIT_PER_MINUTE', () => {
  let t: TestApp;
  let grpc: AuthGrpcClient;
  let closeWeb: () => void;
  let web: Client<typeof AuthService>;

  beforeAll(async () => {
    t = await startTestApp({ settings: { rateLimitPerMinute: LIMIT } });
    grpc = new AuthGrpcClient(t.grpcTarget);
    ({ client: web, close: closeWeb } = authGrpcWebClient(t.baseUrl));
  });
  afterAll(async () => {
    grpc?.close();
    closeWeb?.();
    await t?.close();
  });

  it('answers 429 with Retry-After past the limit of one subject, on REST', async () => {
    const { token } = await t.subject('limited-rest');
    for (let i = 0; i < LIMIT; i++) {
      expect((await http(t.baseUrl, 'GET', PROFILE, { token })).status).toBe(404);
    }
    const limited = await http(t.baseUrl, 'GET', PROFILE, { token });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual(LIMITED);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Another subject from the same address has its own count.
    const other = await t.subject('unlimited-rest');
    expect((await http(t.baseUrl, 'GET', PROFILE, { token: other.token })).status).toBe(404);
  });

  it('counts one subject across transports: gRPC and gRPC-web answer 8 past the limit', async () => {
    const { token } = await t.subject('limited-grpc');
    for (let i = 0; i < LIMIT - 1; i++) {
      expect(grpcStatus(await grpcError(grpc.getMyProfile(token))).code).toBe(5);
    }
    expect(grpcStatus(await grpcError(grpc.getMyProfile(token))).code).toBe(5);
    const viaGrpc = grpcStatus(await grpcError(grpc.getMyProfile(token)));
    expect(viaGrpc.status).toEqual(LIMITED);
    const viaWeb = connectStatus(await connectError(web.getMyProfile({}, withToken(token))));
    expect(viaWeb.trailer).toEqual(LIMITED);
    const raw = await grpcWebFetch(
      t.baseUrl,
      '/zitadel.auth.v1.AuthService/GetMyProfile',
      toBinary(GetMyProfileRequestSchema, create(GetMyProfileRequestSchema)),
      { token },
    );
    expect(raw.status['grpc-status']).toBe('8');
  });

  it('counts calls without a valid token per address, and never limits health', async () => {
    // The address here is 127.0.0.1 for every test of this file: use a fresh app.
    const fresh = await startTestApp({ settings: { rateLimitPerMinute: LIMIT } });
    try {
      for (let i = 0; i < LIMIT; i++) {
        const res = await http(fresh.baseUrl, 'GET', PROFILE, { token: 'not-a-token' });
        expect(res.status).toBe(401);
      }
      const limited = await http(fresh.baseUrl, 'GET', PROFILE);
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual(LIMITED);
      // A valid token is counted against its subject, not the address.
      const { token } = await fresh.subject('valid-after-invalid');
      expect((await http(fresh.baseUrl, 'GET', PROFILE, { token })).status).toBe(404);
      for (let i = 0; i < 3 * LIMIT; i++) {
        expect((await http(fresh.baseUrl, 'GET', '/healthz')).status).toBe(200);
        expect((await http(fresh.baseUrl, 'GET', '/readyz')).status).toBe(200);
      }
    } finally {
      await fresh.close();
    }
  });
});

describe('security headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sends nosniff and a restrictive CSP on API answers, no x-powered-by', async () => {
    for (const res of [
      await http(t.baseUrl, 'GET', PROFILE),
      await http(t.baseUrl, 'GET', '/healthz'),
      await http(t.baseUrl, 'GET', '/openapi.json'),
      await http(t.baseUrl, 'GET', '/nowhere'),
    ]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toBe(
        "default-src 'none';frame-ancestors 'none'",
      );
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('leaves Swagger UI at /docs without that CSP, so that its page works', async () => {
    const docs = await fetch(`${t.baseUrl}/docs`, { redirect: 'follow' });
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')).toBeNull();
    expect(docs.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
