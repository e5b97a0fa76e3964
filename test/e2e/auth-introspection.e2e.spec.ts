// Opaque access tokens in the running app (contract section 4): checked by token introspection
// (RFC 7662) at an endpoint the test serves, over REST, gRPC and gRPC-web, beside a JWKS and
// alone, with both client authentications; the endpoint failing in every way gives 14 within 6 s.
import { type ServiceError } from '@grpc/grpc-js';
import { loadConfig } from '../../src/config/config.js';
import { freePort, RESOURCE_OWNER_CLAIM, startTestApp, type TestApp } from '../support/app.js';
import { AuthGrpcClient, bearer, deadline, grpcError, grpcStatus } from '../support/grpc.js';
import { grpcWebFetch } from '../support/grpc-web.js';
import { AUTH_HEADER_MISSING, http, TOKEN_INVALID, UNAVAILABLE } from '../support/http.js';
import {
  startIntrospectionServer,
  zitadelKeyFile,
  type IntrospectionBehaviour,
  type IntrospectionServer,
} from '../support/introspection-server.js';
import { ADA } from '../support/profile.js';
import { statusFromTrailer, type StatusJson } from '../support/status.js';

// What startTestApp's issuer uses, so that the endpoint's answers name the same issuer.
const ISSUER = 'https://issuer.test';
const AUDIENCE = 'profile-service';
const PROFILE = '/auth/v1/users/me/profile';
const GET_PATH = '/zitadel.auth.v1.AuthService/GetMyProfile';
const CLIENT = { clientId: 'profile-service@acme', clientSecret: 'introspection-secret' };

/** The promise, or a failure when it has not settled within `ms`: no wait is unbounded. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

type UnaryFn = (
  request: unknown,
  metadata: ReturnType<typeof bearer>,
  options: { deadline: Date },
  callback: (err: ServiceError | null, value?: unknown) => void,
) => void;

/** The same call on the three transports, each answer reduced to its Status (or 'ok'). */
function transports(t: TestApp, grpc: AuthGrpcClient) {
  return {
    async rest(token: string): Promise<StatusJson | 'ok'> {
      const res = await within(6000, http(t.baseUrl, 'GET', PROFILE, { token }));
      // A subject without a profile: authenticated, so the call got past the guard.
      if (res.status === 404 && res.body?.code === 5) return 'ok';
      expect(res.status).toBe(res.body?.code === 14 ? 503 : 401);
      return res.body as StatusJson;
    },
    async grpc(token: string): Promise<StatusJson | 'ok'> {
      const get = (grpc.client as unknown as Record<string, UnaryFn>).GetMyProfile!;
      const call = new Promise((resolve, reject) => {
        get.call(grpc.client, {}, bearer(token), { deadline: deadline(6) }, (err, value) =>
          err ? reject(err) : resolve(value),
        );
      });
      const { code, message, status } = grpcStatus(await grpcError(call));
      if (code === 5) return 'ok';
      expect([code, message]).toEqual([status.code, status.message]);
      return status;
    },
    async grpcWeb(token: string): Promise<StatusJson | 'ok'> {
      const res = await within(
        6000,
        grpcWebFetch(t.baseUrl, GET_PATH, new Uint8Array(0), { token }),
      );
      if (res.status['grpc-status'] === '5') return 'ok';
      const status = statusFromTrailer(res.status['grpc-status-details-bin']);
      expect(res.status['grpc-status']).toBe(String(status.code));
      expect(decodeURIComponent(res.status['grpc-message'] ?? '')).toBe(status.message);
      return status;
    },
  };
}

/** Each transport's answer for this token. */
async function everywhere(
  t: TestApp,
  grpc: AuthGrpcClient,
  token: string,
): Promise<(StatusJson | 'ok')[]> {
  const via = transports(t, grpc);
  return [await via.rest(token), await via.grpc(token), await via.grpcWeb(token)];
}

describe('opaque tokens beside a JWKS (client_secret_basic)', () => {
  let idp: IntrospectionServer;
  let t: TestApp;
  let grpc: AuthGrpcClient;

  beforeAll(async () => {
    idp = await startIntrospectionServer({
      issuer: ISSUER,
      audience: AUDIENCE,
      client: { method: 'client_secret_basic', ...CLIENT },
    });
    t = await startTestApp({
      auth: () => ({
        introspection: {
          url: idp.url,
          clientAuth: { method: 'client_secret_basic', ...CLIENT },
          cacheSeconds: 60,
        },
      }),
    });
    grpc = new AuthGrpcClient(t.grpcTarget);
  });
  afterAll(async () => {
    grpc?.close();
    await t?.close();
    await idp?.close();
  });
  beforeEach(() => {
    idp.behave({ kind: 'normal' });
  });

  it('accepts an active opaque token on every transport, with its resource owner', async () => {
    const token = idp.issue('opaque-user', { [RESOURCE_OWNER_CLAIM]: 'org-opaque' });
    const put = await http(t.baseUrl, 'PUT', PROFILE, { token, body: ADA });
    expect(put.status).toBe(200);
    expect(put.body.details.resourceOwner).toBe('org-opaque');
    expect((await grpc.getMyProfile(token)).profile.firstName).toBe('Ada');
    const web = await grpcWebFetch(t.baseUrl, GET_PATH, new Uint8Array(0), { token });
    expect(web.status['grpc-status']).toBe('0');
    expect(web.messages).toHaveLength(1);
    // Answered once, then from the cache.
    expect(idp.requestsFor(token)).toBe(1);
    expect(idp.methods.every((method) => method === 'client_secret_basic')).toBe(true);

    const plain = idp.issue('opaque-plain');
    const res = await http(t.baseUrl, 'PUT', PROFILE, { token: plain, body: ADA });
    expect(res.body.details.resourceOwner).toBe('default-org');
  });

  it.each<[string, Record<string, unknown>]>([
    ['an inactive token', { active: false }],
    ['a token for another audience', { aud: ['another-api'] }],
    ['a token of another issuer', { iss: 'https://evil.test' }],
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 60 }],
    ['a token whose subject is too long', { sub: 'x'.repeat(1000) }],
  ])('refuses %s with 16 AUTH-7fs1e on every transport', async (_, claims) => {
    const token = idp.issue('refused', claims);
    expect(await everywhere(t, grpc, token)).toEqual([TOKEN_INVALID, TOKEN_INVALID, TOKEN_INVALID]);
  });

  it('refuses a token the endpoint does not know', async () => {
    expect(await everywhere(t, grpc, 'never-issued-token')).toEqual([
      TOKEN_INVALID,
      TOKEN_INVALID,
      TOKEN_INVALID,
    ]);
  });

  it('still verifies JWTs locally: the endpoint is never asked about one', async () => {
    const before = idp.requests;
    const good = await t.issuer.mint('jwt-user');
    expect(await everywhere(t, grpc, good)).toEqual(['ok', 'ok', 'ok']);
    for (const bad of [
      await t.issuer.mint('jwt-user', { key: 'unknown' }),
      await t.issuer.mint('jwt-user', { expiresInSeconds: -60 }),
      await t.issuer.tamperedToken('jwt-user'),
    ]) {
      expect(await everywhere(t, grpc, bad)).toEqual([TOKEN_INVALID, TOKEN_INVALID, TOKEN_INVALID]);
    }
    expect(idp.requests).toBe(before);
  });

  it('asks once for many concurrent calls with one new token', async () => {
    idp.behave({ kind: 'normal', delayMs: 300 });
    const token = idp.issue('crowd');
    const via = transports(t, grpc);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => [
        via.rest(token),
        via.grpc(token),
        via.grpcWeb(token),
      ]).flat(),
    );
    expect(new Set(answers)).toEqual(new Set(['ok']));
    expect(idp.requestsFor(token)).toBe(1);
  });

  const failures: [string, IntrospectionBehaviour][] = [
    ['answers 500', { kind: 'status', status: 500 }],
    ['refuses the service’s credentials (401)', { kind: 'status', status: 401 }],
    ['refuses the service’s credentials (403)', { kind: 'status', status: 403 }],
    ['answers garbage', { kind: 'body', body: 'garbage', contentType: 'text/plain' }],
    ['answers JSON that is not an object', { kind: 'body', body: '[true]' }],
    ['hangs (over 5 s)', { kind: 'hang' }],
  ];

  it.each(failures)(
    'answers 14 within 6 s on every transport when the endpoint %s',
    async (_, behaviour) => {
      idp.behave(behaviour);
      const tokens = [idp.issue('a'), idp.issue('b'), idp.issue('c')];
      const via = transports(t, grpc);
      // Concurrently, so that a hang costs one time bound, not three.
      const answers = await Promise.all([
        via.rest(tokens[0]!),
        via.grpc(tokens[1]!),
        via.grpcWeb(tokens[2]!),
      ]);
      expect(answers).toEqual([UNAVAILABLE, UNAVAILABLE, UNAVAILABLE]);
      // Nothing was cached: the same tokens pass once the endpoint is back.
      idp.behave({ kind: 'normal' });
      expect(await Promise.all(tokens.map((token) => transports(t, grpc).rest(token)))).toEqual([
        'ok',
        'ok',
        'ok',
      ]);
    },
  );

  it('still says "auth header missing" without a token', async () => {
    const res = await http(t.baseUrl, 'GET', PROFILE);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(AUTH_HEADER_MISSING);
  });
});

describe('every token introspected (AUTH_INTROSPECTION_URL alone, a ZITADEL key file)', () => {
  const key = zitadelKeyFile();
  let idp: IntrospectionServer;
  let t: TestApp;
  let grpc: AuthGrpcClient;

  beforeAll(async () => {
    idp = await startIntrospectionServer({
      issuer: ISSUER,
      audience: AUDIENCE,
      client: {
        method: 'private_key_jwt',
        clientId: key.clientId,
        keyId: key.keyId,
        publicKey: key.publicKey,
      },
    });
    // As the service reads its environment: the key file parsed by loadConfig.
    const { auth } = loadConfig({
      NODE_ENV: 'production',
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      AUTH_INTROSPECTION_URL: idp.url,
      AUTH_INTROSPECTION_KEY_FILE: key.path,
    });
    expect(auth.mode).toBe('introspection');
    t = await startTestApp({ auth: () => ({ ...auth, resourceOwnerClaim: RESOURCE_OWNER_CLAIM }) });
    grpc = new AuthGrpcClient(t.grpcTarget);
  });
  afterAll(async () => {
    grpc?.close();
    await t?.close();
    await idp?.close();
    key.remove();
  });

  it('accepts an active token, authenticating with a signed assertion', async () => {
    const token = idp.issue('keyed-user', { [RESOURCE_OWNER_CLAIM]: 'org-k' });
    const put = await http(t.baseUrl, 'PUT', PROFILE, { token, body: ADA });
    expect(put.status).toBe(200);
    expect(put.body.details.resourceOwner).toBe('org-k');
    expect(await everywhere(t, grpc, idp.issue('keyed-other'))).toEqual(['ok', 'ok', 'ok']);
    expect(idp.refusedClients).toBe(0);
    expect(idp.methods.length).toBeGreaterThan(0);
    expect(idp.methods.every((method) => method === 'private_key_jwt')).toBe(true);
  });

  it('introspects JWTs too, and refuses what the endpoint does not call active', async () => {
    const jwt = await t.issuer.mint('jwt-introspected');
    expect(await everywhere(t, grpc, jwt)).toEqual([TOKEN_INVALID, TOKEN_INVALID, TOKEN_INVALID]);
    expect(idp.requestsFor(jwt)).toBe(1);
    const known = await t.issuer.mint('jwt-known');
    idp.answer(known, {
      active: true,
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'jwt-known',
      exp: Math.floor(Date.now() / 1000) + 300,
    });
    expect(await everywhere(t, grpc, known)).toEqual(['ok', 'ok', 'ok']);
  });

  it('answers 14 when the endpoint refuses the assertion', async () => {
    idp.behave({ kind: 'status', status: 401 });
    try {
      expect(await everywhere(t, grpc, idp.issue('refused-client'))).toEqual([
        UNAVAILABLE,
        UNAVAILABLE,
        UNAVAILABLE,
      ]);
    } finally {
      idp.behave({ kind: 'normal' });
    }
  });
});

describe('introspection endpoint down', () => {
  let t: TestApp;
  let grpc: AuthGrpcClient;

  beforeAll(async () => {
    const url = `http://127.0.0.1:${await freePort()}/oauth/v2/introspect`;
    t = await startTestApp({
      auth: () => ({
        introspection: {
          url,
          clientAuth: { method: 'client_secret_basic', ...CLIENT },
          cacheSeconds: 60,
        },
      }),
    });
    grpc = new AuthGrpcClient(t.grpcTarget);
  });
  afterAll(async () => {
    grpc?.close();
    await t?.close();
  });

  it('answers 14 for an opaque token on every transport, and still takes JWTs', async () => {
    expect(await everywhere(t, grpc, 'some-opaque-token')).toEqual([
      UNAVAILABLE,
      UNAVAILABLE,
      UNAVAILABLE,
    ]);
    expect(await everywhere(t, grpc, await t.issuer.mint('jwt-while-down'))).toEqual([
      'ok',
      'ok',
      'ok',
    ]);
  });
});
