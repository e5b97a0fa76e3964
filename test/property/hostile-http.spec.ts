// Properties of the HTTP port under hostile input (contract sections 4, 5 and 8): arbitrary
// bytes as REST bodies, arbitrary header values, arbitrary bytes in a request's head, and
// gRPC-web bodies whose frames lie. Never a 5xx or an INTERNAL, never a reset, never a hang
// (every exchange is bounded), and the keep-alive connection that carried the hostile request
// carries the next, valid one: the hostile and valid requests of each run share it.
import fc from 'fast-check';
import { create, toBinary } from '@bufbuild/protobuf';
import { GetMyProfileRequestSchema } from '../../src/gen/zitadel/auth_pb.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { AUTH_HEADER_MISSING, TOKEN_INVALID } from '../support/http.js';
import {
  anyBytes,
  blank,
  goodAuthorization,
  headerName,
  headerValue,
  hostileAuthorization,
  rawBody,
  textBody,
  textEncoding,
} from './support/hostile.js';
import { type Answer, KeepAliveClient, rawExchange } from './support/http-client.js';
import { PROPERTY_TIMEOUT_MS, runs } from './support/runner.js';
import {
  GET_RPC,
  LIST_RPC,
  parseGrpcWeb,
  PROFILE,
  type Read,
  restStatus,
  SEARCH,
  UPDATE_RPC,
  webBody,
  webHeaders,
  Wire,
} from './support/transports.js';
import { AuthGrpcClient } from '../support/grpc.js';

const PROFILE_BODY = JSON.stringify({
  firstName: 'Grace',
  lastName: 'Hopper',
  nickName: 'amazing grace',
  displayName: 'Grace Hopper',
  preferredLanguage: 'en-US',
  gender: 'GENDER_FEMALE',
});

/** Codes a call may end with when the caller is authenticated: never 2, 4, 13, 14. */
const CLIENT_CODES = new Set([0, 3, 5, 9, 12]);

describe('property: the HTTP port under hostile input', () => {
  let t: TestApp;
  let http: KeepAliveClient;
  let grpc: AuthGrpcClient;
  let wire: Wire;
  let port: number;
  /** A subject with a profile; its read, which no hostile request may change. */
  let token: string;
  let snapshot: Read;

  beforeAll(async () => {
    t = await startTestApp();
    port = Number(new URL(t.baseUrl).port);
    http = new KeepAliveClient(t.baseUrl);
    grpc = new AuthGrpcClient(t.grpcTarget);
    wire = new Wire(http, grpc);
    token = (await t.subject('hostile-http')).token;
    expect((await wire.update('rest', token, PROFILE_BODY)).ok).toBe(true);
    snapshot = await wire.read('rest', token);
  });
  afterAll(async () => {
    http?.close();
    grpc?.close();
    await t?.close();
  });

  /**
   * After a hostile request: a valid one on the same connection succeeds and finds the profile
   * unchanged, and the connection was reused unless the server said it would close it.
   */
  async function expectStillServing(hostile: Answer): Promise<void> {
    const before = http.connections;
    const read = await wire.read('rest', token);
    expect(read).toEqual(snapshot);
    if (String(hostile.headers.connection).toLowerCase() !== 'close') {
      expect(http.connections).toBe(before);
    }
  }

  it(
    'arbitrary bytes as a REST body: a 4xx Status (or 200), then the connection goes on',
    async () => {
      const route = fc.constantFrom<[string, string]>(
        ['PUT', PROFILE],
        ['PUT', '/users/me/profile'],
        ['POST', SEARCH],
        ['POST', '/users/me/changes/_search'],
      );
      const contentType = fc.constantFrom(
        undefined,
        'application/json',
        'application/json; charset=latin1',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/octet-stream',
        'multipart/form-data; boundary=x',
      );
      const who = fc.constantFrom('valid', 'none', 'invalid');
      await fc.assert(
        fc.asyncProperty(anyBytes, route, contentType, who, async (body, [method, path], ct, w) => {
          const headers: Record<string, string> = {};
          if (ct !== undefined) headers['content-type'] = ct;
          if (w === 'valid') headers.authorization = `Bearer ${token}`;
          if (w === 'invalid') headers.authorization = `Bearer ${token.slice(0, -3)}`;
          const answer = await http.send(method, path, { headers, body });
          if (w === 'none') {
            expect([answer.status, restStatus(answer)]).toEqual([401, AUTH_HEADER_MISSING]);
          } else if (w === 'invalid') {
            expect([answer.status, restStatus(answer)]).toEqual([401, TOKEN_INVALID]);
          } else if (answer.status !== 200) {
            // Bytes that are not a request body are INVALID_ARGUMENT; a body that happens to be
            // the stored profile again is FAILED_PRECONDITION.
            expect([3, 9]).toContain(restStatus(answer).code);
          }
          if (method === 'PUT' && answer.status === 200) snapshot = await wire.read('rest', token);
          await expectStillServing(answer);
        }),
        runs(120),
      );
      // Not one of those requests cost the connection: all went over the first one.
      expect(http.connections).toBe(1);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'arbitrary header values: only a well-formed bearer token authenticates',
    async () => {
      const auth = fc.oneof(
        { weight: 1, arbitrary: goodAuthorization(token).map((v) => ({ v, good: true })) },
        {
          weight: 3,
          arbitrary: hostileAuthorization(token).map((v) => ({ v, good: false })),
        },
        { weight: 1, arbitrary: fc.constant({ v: undefined, good: false }) },
      );
      const others = fc.dictionary(headerName, headerValue, { maxKeys: 5 });
      await fc.assert(
        fc.asyncProperty(auth, others, async ({ v, good }, extra) => {
          const headers: Record<string, string> = { ...extra };
          if (v !== undefined) headers.authorization = v;
          const answer = await http.send('GET', PROFILE, { headers });
          if (good) {
            expect(answer.status).toBe(200);
          } else {
            expect(answer.status).toBe(401);
            const status = restStatus(answer);
            // A value of nothing but white space may count as no header at all.
            if (v !== undefined && !blank(v)) expect(status).toEqual(TOKEN_INVALID);
            else expect([AUTH_HEADER_MISSING, TOKEN_INVALID]).toContainEqual(status);
          }
          await expectStillServing(answer);
        }),
        runs(150),
      );
      expect(http.connections).toBe(1);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'arbitrary bytes in the request line and headers: an answer below 500, then a FIN',
    async () => {
      // Any byte but CR and LF, which would change where the head ends (a head that never
      // ends is the slow-client case, tested in http-hardening): the request is complete, so
      // the server has all it needs to answer.
      const junk = fc
        .uint8Array({ maxLength: 40 })
        .map((b) => Buffer.from(b.filter((x) => x !== 0x0d && x !== 0x0a)));
      const where = fc.constantFrom('method', 'target', 'version', 'name', 'value', 'extra line');
      await fc.assert(
        fc.asyncProperty(junk, where, fc.boolean(), async (bytes, at, authed) => {
          const parts = {
            method: Buffer.from('GET'),
            target: Buffer.from(PROFILE),
            version: Buffer.from('HTTP/1.1'),
            name: Buffer.from('X-Junk'),
            value: Buffer.from('v'),
          };
          if (at !== 'extra line') parts[at] = Buffer.concat([parts[at], bytes]);
          const head = Buffer.concat([
            parts.method,
            Buffer.from(' '),
            parts.target,
            Buffer.from(' '),
            parts.version,
            Buffer.from('\r\nHost: x\r\n'),
            authed ? Buffer.from(`Authorization: Bearer ${token}\r\n`) : Buffer.alloc(0),
            parts.name,
            Buffer.from(': '),
            parts.value,
            Buffer.from('\r\n'),
            at === 'extra line' ? Buffer.concat([bytes, Buffer.from('\r\n')]) : Buffer.alloc(0),
            Buffer.from('Connection: close\r\n\r\n'),
          ]);
          const answer = await rawExchange(port, head, { timeoutMs: 5000, settleMs: 1000 });
          expect(answer.status).toBeDefined();
          expect(answer.status).toBeGreaterThanOrEqual(200);
          expect(answer.status).toBeLessThan(500);
          // An answer in the Status envelope, and the connection closed as asked, not reset.
          if (answer.status !== 200) expect(typeof JSON.parse(answer.body).code).toBe('number');
          expect(answer.ended).toBe('end');
          // The server still serves (on the keep-alive connection of the other properties).
          expect(await wire.read('rest', token)).toEqual(snapshot);
        }),
        runs(100),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'gRPC-web bodies with lying frames: a Status in a trailer frame, then the connection goes on',
    async () => {
      const contentType = fc.constantFrom(
        'application/grpc-web',
        'application/grpc-web+proto',
        'application/grpc-web-text',
        'application/grpc-web-text+proto',
        'application/grpc-web; charset=utf-8',
        'APPLICATION/GRPC-WEB-TEXT',
      );
      const path = fc.constantFrom(
        UPDATE_RPC,
        GET_RPC,
        LIST_RPC,
        '/zitadel.auth.v1.AuthService/Nope',
      );
      const who = fc.constantFrom('valid', 'none', 'invalid');
      await fc.assert(
        fc.asyncProperty(
          rawBody,
          contentType,
          textEncoding,
          path,
          who,
          async (body, ct, how, p, w) => {
            const text = ct.toLowerCase().startsWith('application/grpc-web-text');
            const headers = webHeaders(text, w === 'valid' ? token : undefined, ct);
            if (w === 'invalid') headers.authorization = 'Bearer not.a.jwt';
            const answer = await http.send('POST', p, {
              headers,
              body: text ? textBody(body.parts, how) : body.bytes,
            });
            const web = parseGrpcWeb(answer, text);
            if (p.endsWith('/Nope')) {
              expect(web.code).toBe(12);
            } else if (w === 'none') {
              // The token is checked before the body is looked at, whatever the body.
              expect(web.status).toEqual(AUTH_HEADER_MISSING);
            } else if (w === 'invalid') {
              expect(web.status).toEqual(TOKEN_INVALID);
            } else {
              expect(CLIENT_CODES).toContain(web.code);
              if (body.wellFramed && !(text && how === 'broken')) {
                // One honest frame: the message itself decides (decoded, validated, served).
                expect(web.code).not.toBe(12);
              }
              if (body.bytes.length === 0 && !(text && how === 'broken')) expect(web.code).toBe(12);
            }
            if (p === UPDATE_RPC && web.code === 0) snapshot = await wire.read('rest', token);
            await expectStillServing(answer);
          },
        ),
        runs(150),
      );
      // A valid call after it all, on the same connection.
      const res = parseGrpcWeb(
        await http.send('POST', GET_RPC, {
          headers: webHeaders(false, token),
          body: webBody(
            toBinary(GetMyProfileRequestSchema, create(GetMyProfileRequestSchema)),
            false,
          ),
        }),
        false,
      );
      expect(res.code).toBe(0);
      expect(http.connections).toBe(1);
    },
    PROPERTY_TIMEOUT_MS,
  );
});
