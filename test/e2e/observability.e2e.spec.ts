// Logs and request ids (contract section 8), read from what the running app really writes: one
// JSON line per call on every transport when it ends (calls refused before any handler too), the
// request id taken from the client when valid and sent back on every transport, on every line of
// its call, and nothing secret in the whole log.
import { create, toBinary } from '@bufbuild/protobuf';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { jest } from '@jest/globals';
import { connect } from 'node:net';
import {
  GetMyProfileRequestSchema,
  UpdateMyProfileRequestSchema,
} from '../../src/gen/zitadel/auth_pb.js';
import { Readiness } from '../../src/health/readiness.service.js';
import { ProfileService } from '../../src/profile/profile.service.js';
import { GrpcH2Client } from '../property/support/h2-client.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { AuthGrpcClient } from '../support/grpc.js';
import { grpcWebFetch } from '../support/grpc-web.js';
import { http } from '../support/http.js';
import { type CallLogLine } from '../support/logs.js';

const PROFILE = '/auth/v1/users/me/profile';
const SERVICE = 'zitadel.auth.v1.AuthService';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A profile whose every value is unlike anything else in a log, so the redaction test can look. */
const SECRET_PROFILE = {
  firstName: 'Zephyrinequill',
  lastName: 'Marrowfeather',
  nickName: 'zq-nick-7731',
  displayName: 'Zephyrine Marrow-Q',
  preferredLanguage: 'fr-CA',
};

let sequence = 0;
/** A request id of this test, so that its call's line can be found. */
function rid(label: string): string {
  sequence += 1;
  return `obs-${label}-${sequence}-${Date.now()}`;
}

/** One unary gRPC call with raw bytes; resolves with its error (if any) and initial metadata. */
function grpcCall(
  client: AuthGrpcClient,
  method: string,
  message: Uint8Array,
  metadata: Metadata,
): Promise<{ error: ServiceError | null; headers: Metadata | undefined }> {
  return new Promise((resolve) => {
    let headers: Metadata | undefined;
    const call = client.client.makeUnaryRequest<Buffer, Buffer>(
      `/${SERVICE}/${method}`,
      (b) => b,
      (b) => b,
      Buffer.from(message),
      metadata,
      { deadline: new Date(Date.now() + 10_000) },
      (error) => resolve({ error, headers }),
    );
    call.on('metadata', (m: Metadata) => (headers = m));
  });
}

function withMetadata(token: string | undefined, requestId?: string): Metadata {
  const metadata = new Metadata();
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  if (requestId !== undefined) metadata.set('x-request-id', requestId);
  return metadata;
}

/** Writes `request` on a fresh connection; the raw answer's status line and headers. */
async function rawHttp(
  port: number,
  request: string,
): Promise<{ status: number; headers: Record<string, string> }> {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (data += chunk));
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(request);
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.once('error', () => resolve());
  });
  const [head = ''] = data.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers };
}

function portOf(t: TestApp): number {
  return Number(new URL(t.baseUrl).port);
}

describe('logs and request ids', () => {
  let t: TestApp;
  let grpc: AuthGrpcClient;
  /** Every token and profile value this file sends: none may be in the log. */
  const secrets: string[] = Object.values(SECRET_PROFILE);
  let sub: string;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    grpc = new AuthGrpcClient(t.grpcTarget);
    ({ sub, token } = await t.subject('obs'));
    secrets.push(token);
    const res = await http(t.baseUrl, 'PUT', PROFILE, {
      token,
      body: { ...SECRET_PROFILE, gender: 'GENDER_DIVERSE' },
    });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    grpc.close();
    await t.close();
  });

  /** The one line of a call: every field of the contract, of the right type. */
  async function lineOf(requestId: string): Promise<CallLogLine> {
    const line = await t.logs.callOf(requestId);
    expect(line).toMatchObject({ level: 'info', msg: 'call ended', requestId });
    expect(line.time).toMatch(ISO_TIME);
    expect(typeof line.durationMs).toBe('number');
    expect(line.durationMs).toBeGreaterThanOrEqual(0);
    expect(typeof line.operation).toBe('string');
    expect(Number.isInteger(line.status)).toBe(true);
    return line;
  }

  describe('REST', () => {
    it('logs an authenticated call with its route, status, subject and the request id it echoes', async () => {
      const id = rid('rest-ok');
      const res = await http(t.baseUrl, 'GET', PROFILE, { token, headers: { 'x-request-id': id } });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe(id);
      expect(await lineOf(id)).toMatchObject({
        transport: 'rest',
        operation: `GET ${PROFILE}`,
        status: 200,
        subject: sub,
      });
    });

    it('logs a call the guard refuses (401), without a subject, and echoes the id on the error', async () => {
      const id = rid('rest-401');
      const res = await http(t.baseUrl, 'GET', PROFILE, { headers: { 'x-request-id': id } });
      expect(res.status).toBe(401);
      expect(res.headers.get('x-request-id')).toBe(id);
      const line = await lineOf(id);
      expect(line).toMatchObject({ transport: 'rest', operation: `GET ${PROFILE}`, status: 401 });
      expect(line.subject).toBeUndefined();
    });

    it('logs an invalid argument (400) with its subject', async () => {
      const id = rid('rest-400');
      const res = await http(t.baseUrl, 'PUT', PROFILE, {
        token,
        body: { ...SECRET_PROFILE, firstName: ' ' },
        headers: { 'x-request-id': id },
      });
      expect(res.status).toBe(400);
      expect(await lineOf(id)).toMatchObject({
        operation: `PUT ${PROFILE}`,
        status: 400,
        subject: sub,
      });
    });

    it('logs an unknown route (404) as unmatched, with its path but not its query', async () => {
      const id = rid('rest-404');
      const res = await http(t.baseUrl, 'GET', `/no/such/route?access_token=${token}`, {
        headers: { 'x-request-id': id },
      });
      expect(res.status).toBe(404);
      expect(res.headers.get('x-request-id')).toBe(id);
      expect(await lineOf(id)).toMatchObject({
        transport: 'rest',
        operation: 'unmatched',
        path: '/no/such/route',
        status: 404,
      });
    });

    it('names an alias route and a wrong method by their own route', async () => {
      const alias = rid('rest-alias');
      await http(t.baseUrl, 'GET', '/users/me/profile', {
        token,
        headers: { 'x-request-id': alias },
      });
      expect((await lineOf(alias)).operation).toBe('GET /users/me/profile');
      const wrong = rid('rest-405');
      const res = await http(t.baseUrl, 'DELETE', PROFILE, { headers: { 'x-request-id': wrong } });
      expect(res.status).toBe(405);
      expect(await lineOf(wrong)).toMatchObject({
        operation: `DELETE ${PROFILE}`,
        status: 405,
      });
    });

    it('logs what the HTTP server refuses by itself, with a request id it sends back', async () => {
      const malformed = await rawHttp(portOf(t), 'NOT HTTP AT ALL\r\n\r\n');
      expect(malformed.status).toBe(400);
      const id400 = malformed.headers['x-request-id'] ?? '';
      expect(id400).toMatch(UUID);
      expect(await lineOf(id400)).toMatchObject({
        transport: 'rest',
        operation: 'unmatched',
        status: 400,
      });
      const huge = await rawHttp(
        portOf(t),
        `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      );
      expect(huge.status).toBe(431);
      expect(await lineOf(huge.headers['x-request-id'] ?? '')).toMatchObject({ status: 431 });
      const expect100 = await rawHttp(
        portOf(t),
        'GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: nothing\r\nX-Request-Id: obs-417\r\n\r\n',
      );
      expect(expect100).toMatchObject({ status: 417, headers: { 'x-request-id': 'obs-417' } });
      expect(await lineOf('obs-417')).toMatchObject({ status: 417, operation: 'unmatched' });
    });

    it('logs the probes too, by route', async () => {
      const id = rid('rest-healthz');
      await http(t.baseUrl, 'GET', '/healthz', { headers: { 'x-request-id': id } });
      expect(await lineOf(id)).toMatchObject({ operation: 'GET /healthz', status: 200 });
    });
  });

  describe('gRPC', () => {
    const getRequest = toBinary(GetMyProfileRequestSchema, create(GetMyProfileRequestSchema));

    it('logs a call with its method, code 0, subject, and returns the id in initial metadata', async () => {
      const id = rid('grpc-ok');
      const { error, headers } = await grpcCall(
        grpc,
        'GetMyProfile',
        getRequest,
        withMetadata(token, id),
      );
      expect(error).toBeNull();
      expect(headers?.get('x-request-id')).toEqual([id]);
      expect(await lineOf(id)).toMatchObject({
        transport: 'grpc',
        operation: `${SERVICE}/GetMyProfile`,
        status: 0,
        subject: sub,
      });
    });

    it('returns the id on an error status too (UNAUTHENTICATED), and logs code 16', async () => {
      const id = rid('grpc-16');
      const { error, headers } = await grpcCall(
        grpc,
        'GetMyProfile',
        getRequest,
        withMetadata(undefined, id),
      );
      expect(error?.code).toBe(16);
      expect(headers?.get('x-request-id')).toEqual([id]);
      const line = await lineOf(id);
      expect(line).toMatchObject({ transport: 'grpc', status: 16 });
      expect(line.subject).toBeUndefined();
    });

    it('logs an invalid argument (3)', async () => {
      const id = rid('grpc-3');
      const bad = toBinary(
        UpdateMyProfileRequestSchema,
        create(UpdateMyProfileRequestSchema, { ...SECRET_PROFILE, firstName: '' }),
      );
      const { error } = await grpcCall(grpc, 'UpdateMyProfile', bad, withMetadata(token, id));
      expect(error?.code).toBe(3);
      expect(await lineOf(id)).toMatchObject({
        operation: `${SERVICE}/UpdateMyProfile`,
        status: 3,
        subject: sub,
      });
    });

    it('logs an unknown method (UNIMPLEMENTED) as unmatched, with its path', async () => {
      const id = rid('grpc-12');
      const { error, headers } = await grpcCall(
        grpc,
        'NoSuchMethod',
        new Uint8Array(),
        withMetadata(token, id),
      );
      expect(error?.code).toBe(12);
      expect(headers?.get('x-request-id')).toEqual([id]);
      expect(await lineOf(id)).toMatchObject({
        transport: 'grpc',
        operation: 'unmatched',
        path: `/${SERVICE}/NoSuchMethod`,
        status: 12,
      });
    });

    it('logs the status grpc-js answers by itself (an invalid grpc-timeout: 13)', async () => {
      const h2 = new GrpcH2Client(t.grpcTarget);
      try {
        const id = rid('grpc-13');
        const body = Buffer.concat([Buffer.from([0, 0, 0, 0, 0])]);
        const answer = await h2.call(`/${SERVICE}/GetMyProfile`, body, {
          'grpc-timeout': 'soon',
          'x-request-id': id,
          authorization: `Bearer ${token}`,
        });
        expect(answer.code).toBe(13);
        expect(await lineOf(id)).toMatchObject({ transport: 'grpc', status: 13 });
      } finally {
        h2.close();
      }
    });
  });

  describe('gRPC-web', () => {
    const path = `/${SERVICE}/GetMyProfile`;
    const empty = new Uint8Array();

    it('logs a call as grpc-web with its method, gRPC code and subject, and echoes the id', async () => {
      const id = rid('web-ok');
      const res = await grpcWebFetch(t.baseUrl, path, empty, {
        token,
        headers: { 'x-request-id': id, origin: 'https://app.example' },
      });
      expect(res.status['grpc-status']).toBe('0');
      expect(res.headers.get('x-request-id')).toBe(id);
      expect(res.headers.get('access-control-expose-headers')).toContain('x-request-id');
      expect(await lineOf(id)).toMatchObject({
        transport: 'grpc-web',
        operation: `${SERVICE}/GetMyProfile`,
        status: 0,
        subject: sub,
      });
    });

    it('logs the gRPC code of a refusal (16), not the HTTP status', async () => {
      const id = rid('web-16');
      const res = await grpcWebFetch(t.baseUrl, path, empty, { headers: { 'x-request-id': id } });
      expect([res.httpStatus, res.status['grpc-status']]).toEqual([200, '16']);
      expect(res.headers.get('x-request-id')).toBe(id);
      expect(await lineOf(id)).toMatchObject({ transport: 'grpc-web', status: 16 });
    });

    it('logs an unknown method as unmatched (12)', async () => {
      const id = rid('web-12');
      const res = await grpcWebFetch(t.baseUrl, `/${SERVICE}/Nope`, empty, {
        token,
        headers: { 'x-request-id': id },
      });
      expect(res.status['grpc-status']).toBe('12');
      expect(await lineOf(id)).toMatchObject({
        transport: 'grpc-web',
        operation: 'unmatched',
        path: `/${SERVICE}/Nope`,
        status: 12,
      });
    });
  });

  describe('request ids that are not valid are replaced', () => {
    const invalid: [string, string][] = [
      ['too long', 'x'.repeat(129)],
      ['not ASCII', 'caf\u00e9'],
    ];

    it.each(invalid)('on REST: %s', async (_, given) => {
      const res = await http(t.baseUrl, 'GET', '/healthz', { headers: { 'x-request-id': given } });
      const id = res.headers.get('x-request-id') ?? '';
      expect(id).toMatch(UUID);
      expect((await lineOf(id)).operation).toBe('GET /healthz');
    });

    it('on REST: absent', async () => {
      const res = await http(t.baseUrl, 'GET', '/healthz');
      expect(res.headers.get('x-request-id')).toMatch(UUID);
      await lineOf(res.headers.get('x-request-id') ?? '');
    });

    it('on gRPC: too long', async () => {
      const { error, headers } = await grpcCall(
        grpc,
        'GetMyProfile',
        new Uint8Array(),
        withMetadata(token, 'x'.repeat(129)),
      );
      expect(error).toBeNull();
      const [id] = headers?.get('x-request-id') ?? [];
      expect(id).toMatch(UUID);
      expect(await lineOf(String(id))).toMatchObject({ transport: 'grpc', status: 0 });
    });

    it('on gRPC: not ASCII (grpc-js drops it, and logs its key but not its value)', async () => {
      // grpc-js's client refuses to send such a value: a raw HTTP/2 client does.
      const h2 = new GrpcH2Client(t.grpcTarget);
      const badToken = 'bearer-t\u00f8ken-secret-4711';
      secrets.push(badToken);
      try {
        const answer = await h2.call(`/${SERVICE}/GetMyProfile`, Buffer.from([0, 0, 0, 0, 0]), {
          authorization: `Bearer ${token}`,
          'x-request-id': 'caf\u00e9',
        });
        expect(answer.code).toBe(0);
        const id = answer.headers['x-request-id'];
        expect(id).toMatch(UUID);
        expect(await lineOf(String(id))).toMatchObject({ transport: 'grpc', status: 0 });
        // The same with an authorization value that is not valid metadata: UNAUTHENTICATED.
        const refused = await h2.call(`/${SERVICE}/GetMyProfile`, Buffer.from([0, 0, 0, 0, 0]), {
          authorization: `Bearer ${badToken}`,
        });
        expect(refused.code).toBe(16);
      } finally {
        h2.close();
      }
      const dropped = t.logs
        .lines()
        .filter((l) => l.context === 'grpc-js')
        .map((l) => l.msg);
      expect(dropped).toEqual(
        expect.arrayContaining([
          'Failed to add metadata entry x-request-id: the value is not valid metadata (not logged)',
          'Failed to add metadata entry authorization: the value is not valid metadata (not logged)',
        ]),
      );
    });

    it('on gRPC: absent', async () => {
      const { headers } = await grpcCall(
        grpc,
        'GetMyProfile',
        new Uint8Array(),
        withMetadata(token),
      );
      const [id] = headers?.get('x-request-id') ?? [];
      expect(id).toMatch(UUID);
      await lineOf(String(id));
    });

    const invalidOrAbsent: [string, string | undefined][] = [...invalid, ['absent', undefined]];
    it.each(invalidOrAbsent)('on gRPC-web: %s', async (_, given) => {
      const res = await grpcWebFetch(t.baseUrl, `/${SERVICE}/GetMyProfile`, new Uint8Array(), {
        token,
        headers: given === undefined ? {} : { 'x-request-id': given },
      });
      const id = res.headers.get('x-request-id') ?? '';
      expect(id).toMatch(UUID);
      expect((await lineOf(id)).transport).toBe('grpc-web');
    });
  });

  describe('the lines written while a call is served', () => {
    it('carry its request id, and an unexpected error is logged with its stack, never sent', async () => {
      const service = t.app.get(ProfileService);
      const spy = jest
        .spyOn(service, 'getMyProfile')
        .mockRejectedValueOnce(new Error('kaboom in the service'));
      try {
        const id = rid('rest-500');
        const res = await http(t.baseUrl, 'GET', PROFILE, {
          token,
          headers: { 'x-request-id': id },
        });
        expect(res.status).toBe(500);
        expect(res.text).not.toMatch(/kaboom|at .*\.ts/);
        expect(await lineOf(id)).toMatchObject({ status: 500, subject: sub });
        const error = t.logs.lines().find((l) => l.requestId === id && l.level === 'error');
        expect(error).toMatchObject({ context: 'Errors', msg: 'unexpected error' });
        expect(String(error?.stack)).toContain('kaboom in the service');
      } finally {
        spy.mockRestore();
      }
    });

    it("carry the request id of the guard's own line about a refused token", async () => {
      const id = rid('grpc-bad-token');
      const { error } = await grpcCall(
        grpc,
        'GetMyProfile',
        new Uint8Array(),
        withMetadata('not.a.jwt', id),
      );
      expect(error?.code).toBe(16);
      await lineOf(id);
      const auth = t.logs.lines().filter((l) => l.requestId === id && l.context === 'Auth');
      expect(auth.map((l) => l.msg)).toEqual([expect.stringMatching(/^token rejected: /)]);
    });
  });

  it("writes Nest's own lines as JSON too, and every line is one JSON object", () => {
    const lines = t.logs.lines();
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) {
      expect(line.time).toMatch(ISO_TIME);
      expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).toContain(line.level);
      expect(typeof line.msg).toBe('string');
    }
    const startup = lines.filter(
      (l) => l.context === 'NestFactory' || l.context === 'NestApplication',
    );
    expect(startup.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        'Starting Nest application...',
        'Nest application successfully started',
      ]),
    );
  });

  // Last (Jest runs a file's tests in order): the whole log of this file's calls.
  it('never writes a token, a profile value, or an authorization header', () => {
    const text = t.logs.text();
    const transports = new Set(t.logs.calls().map((line) => line.transport));
    expect([...transports].sort()).toEqual(['grpc', 'grpc-web', 'rest']);
    expect(t.logs.calls().length).toBeGreaterThan(30);
    for (const secret of secrets) {
      expect(`${secret.slice(0, 24)}: ${text.includes(secret)}`).toBe(
        `${secret.slice(0, 24)}: false`,
      );
    }
    // Nor a part of a token (its signature alone would do harm), nor a bearer header.
    const signature = token.split('.')[2] ?? '';
    expect(signature.length).toBeGreaterThan(20);
    expect(text.includes(signature)).toBe(false);
    expect(text).not.toMatch(/bearer /i);
  });
});

describe('logs of refusals by the rate limit and the shutdown, and LOG_LEVEL', () => {
  it('logs a 429 with its subject, and a call refused during a shutdown on REST and gRPC-web', async () => {
    const t = await startTestApp({ settings: { rateLimitPerMinute: 1 } });
    try {
      const { sub, token } = await t.subject('obs-limited');
      await http(t.baseUrl, 'GET', PROFILE, { token });
      const id = rid('rest-429');
      const res = await http(t.baseUrl, 'GET', PROFILE, { token, headers: { 'x-request-id': id } });
      expect(res.status).toBe(429);
      expect(res.headers.get('x-request-id')).toBe(id);
      expect(await t.logs.callOf(id)).toMatchObject({
        status: 429,
        subject: sub,
        transport: 'rest',
      });

      t.app.get(Readiness).drain();
      const refused = rid('rest-503');
      const drained = await http(t.baseUrl, 'GET', PROFILE, {
        token,
        headers: { 'x-request-id': refused },
      });
      expect(drained.status).toBe(503);
      expect(drained.headers.get('x-request-id')).toBe(refused);
      // Refused before routing: still named by its route.
      expect(await t.logs.callOf(refused)).toMatchObject({
        operation: `GET ${PROFILE}`,
        status: 503,
      });
      const web = rid('web-503');
      const answer = await fetch(`${t.baseUrl}/${SERVICE}/GetMyProfile`, {
        method: 'POST',
        headers: {
          'content-type': 'application/grpc-web+proto',
          'x-request-id': web,
          authorization: `Bearer ${token}`,
        },
        body: new Uint8Array(5),
      });
      expect(answer.status).toBe(503);
      await answer.arrayBuffer();
      // A gRPC-web client reads HTTP 503 as UNAVAILABLE.
      expect(await t.logs.callOf(web)).toMatchObject({
        transport: 'grpc-web',
        operation: `${SERVICE}/GetMyProfile`,
        status: 14,
      });
    } finally {
      await t.close();
    }
  });

  it('LOG_LEVEL=warn: no info line (no call lines, no start-up lines), the calls still counted', async () => {
    const t = await startTestApp({ settings: { logLevel: 'warn' } });
    try {
      const { token } = await t.subject('obs-quiet');
      expect((await http(t.baseUrl, 'GET', PROFILE, { token })).status).toBe(404);
      expect((await http(t.baseUrl, 'GET', PROFILE)).status).toBe(401);
      const metrics = await http(t.baseUrl, 'GET', '/metrics');
      expect(metrics.text).toMatch(
        /^profile_service_calls_total\{transport="rest",operation="GET \/auth\/v1\/users\/me\/profile",code="401"\} 1$/m,
      );
      const levels = new Set(t.logs.lines().map((l) => l.level));
      expect([...levels].filter((level) => !['warn', 'error', 'fatal'].includes(level))).toEqual(
        [],
      );
    } finally {
      await t.close();
    }
  });
});
