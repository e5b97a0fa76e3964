// The contract over plain gRPC (HTTP/2, application/grpc): a @grpc/grpc-js client built from
// proto/zitadel/auth.proto with @grpc/proto-loader, against the real app and real tokens. Every
// error's Status is decoded from the grpc-status-details-bin trailer and compared exactly.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  credentials,
  loadPackageDefinition,
  type CallOptions,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import http2 from 'node:http2';
import { join } from 'node:path';
import {
  GetMyProfileRequestSchema,
  GetMyProfileResponseSchema,
} from '../../src/gen/zitadel/auth_pb.js';
import { RESOURCE_OWNER_CLAIM, startTestApp, type TestApp } from '../support/app.js';
import {
  AuthGrpcClient,
  bearer,
  deadline,
  grpcError,
  grpcStatus,
  LOADER_OPTIONS,
  reflectionClient,
  PROTO_DIR,
  timestampMs,
} from '../support/grpc.js';
import { AUTH_HEADER_MISSING, TOKEN_INVALID } from '../support/http.js';
import {
  ADA,
  freshSubject,
  NOT_CHANGED,
  PROFILE_NOT_FOUND,
  USER_NOT_FOUND,
} from '../support/profile.js';
import {
  decodeStatus,
  GENDER_RULE,
  invalidArgument,
  LANGUAGE_LENGTH_RULE,
  NAME_RULE,
} from '../support/status.js';

const NODE_MODULES = join(PROTO_DIR, '..', 'node_modules');
const HEALTH_PROTO = join(NODE_MODULES, 'grpc-health-check/proto/health/v1/health.proto');

describe('gRPC (grpc-js)', () => {
  let t: TestApp;
  let auth: AuthGrpcClient;
  /** A fresh subject (and its token) per test, so tests do not share profiles. */
  const subject = (claims?: Record<string, unknown>) => t.subject('grpc', claims);

  beforeAll(async () => {
    t = await startTestApp();
    auth = new AuthGrpcClient(t.grpcTarget);
  });
  afterAll(async () => {
    auth?.close();
    await t?.close();
  });

  /** Expects the call to fail with exactly this Status, in the status and in the trailer. */
  const expectStatus = async (call: Promise<unknown>, expected: unknown) => {
    const err = await grpcError(call);
    const { code, message, status } = grpcStatus(err);
    expect(status).toEqual(expected);
    expect(code).toBe(status.code);
    expect(message).toBe(status.message);
    return err;
  };

  describe('UpdateMyProfile and GetMyProfile', () => {
    it('creates the profile on the first update (sequence 1) and reads it back', async () => {
      const { token } = await subject({ [RESOURCE_OWNER_CLAIM]: 'org-a' });
      const before = Date.now();
      const res = await auth.updateMyProfile(ADA, token);
      const after = Date.now();
      expect(Object.keys(res)).toEqual(['details']);
      const { details } = res;
      expect(details.sequence).toBe('1');
      expect(details.resourceOwner).toBe('org-a');
      expect(details.creationDate).toEqual({
        seconds: expect.stringMatching(/^\d+$/),
        nanos: expect.any(Number),
      });
      expect(details.changeDate).toEqual(details.creationDate);
      const created = timestampMs(details.creationDate);
      expect(created).toBeGreaterThanOrEqual(before - 1000);
      expect(created).toBeLessThanOrEqual(after + 1000);

      const get = await auth.getMyProfile(token);
      expect(get).toEqual({ details, profile: ADA });
    });

    it('gives a token without the resource-owner claim the default organisation', async () => {
      const { token } = await subject();
      const res = await auth.updateMyProfile(ADA, token);
      expect(res.details.resourceOwner).toBe('default-org');
      expect((await auth.getMyProfile(token)).details.resourceOwner).toBe('default-org');
    });

    it('stores values trimmed, the language canonical, and accepts the enum by number', async () => {
      const { token } = await subject();
      await auth.updateMyProfile(
        {
          ...ADA,
          firstName: '  Ada\t',
          displayName: '\u00a0Ada L. ',
          preferredLanguage: ' en-us ',
          gender: 3,
        },
        token,
      );
      const { profile } = await auth.getMyProfile(token);
      expect(profile).toEqual({
        ...ADA,
        firstName: 'Ada',
        displayName: 'Ada L.',
        preferredLanguage: 'en-US',
        gender: 'GENDER_DIVERSE',
      });
    });

    it('replaces all six fields: an empty language and an unspecified gender are stored', async () => {
      const { token } = await subject();
      await auth.updateMyProfile(ADA, token);
      const res = await auth.updateMyProfile(
        { firstName: 'Ada', lastName: 'Lovelace', nickName: 'ada', displayName: 'Ada Lovelace' },
        token,
      );
      expect(res.details.sequence).toBe('2');
      expect((await auth.getMyProfile(token)).profile).toEqual({
        ...ADA,
        preferredLanguage: '',
        gender: 'GENDER_UNSPECIFIED',
      });
    });

    it('counts code points: 200 emoji are allowed, 201 are not', async () => {
      const { token } = await subject();
      await auth.updateMyProfile({ ...ADA, nickName: '😀'.repeat(200) }, token);
      expect((await auth.getMyProfile(token)).profile.nickName).toBe('😀'.repeat(200));
      await expectStatus(
        auth.updateMyProfile({ ...ADA, nickName: '😀'.repeat(201) }, token),
        invalidArgument('NickName', [{ field: 'nick_name', description: NAME_RULE }]),
      );
      expect((await auth.getMyProfile(token)).details.sequence).toBe('1');
    });

    it('increments the sequence per change, keeps the creation date, and refuses a no-op', async () => {
      const { token } = await subject();
      const first = (await auth.updateMyProfile(ADA, token)).details;
      const second = (await auth.updateMyProfile({ ...ADA, nickName: 'countess' }, token)).details;
      expect(second.sequence).toBe('2');
      expect(second.creationDate).toEqual(first.creationDate);
      expect(timestampMs(second.changeDate)).toBeGreaterThanOrEqual(timestampMs(first.changeDate));

      // Same values, written differently (spaces, case of the tag, enum by number): not a change.
      const err = await expectStatus(
        auth.updateMyProfile(
          { ...ADA, nickName: ' countess ', preferredLanguage: 'EN', gender: 1 },
          token,
        ),
        NOT_CHANGED,
      );
      expect(err.code).toBe(9);
      expect(err.details).toBe('Profile not changed (COMMAND-2M0fs)');
      expect((await auth.getMyProfile(token)).details).toEqual(second);
    });

    it('keeps the resource owner fixed: another organisation can neither read nor change it', async () => {
      const sub = freshSubject('owned');
      const orgA = await t.issuer.mint(sub, { claims: { [RESOURCE_OWNER_CLAIM]: 'org-a' } });
      const orgB = await t.issuer.mint(sub, { claims: { [RESOURCE_OWNER_CLAIM]: 'org-b' } });
      await auth.updateMyProfile(ADA, orgA);

      const put = await expectStatus(
        auth.updateMyProfile({ ...ADA, nickName: 'x' }, orgB),
        PROFILE_NOT_FOUND,
      );
      expect([put.code, put.details]).toEqual([9, 'Profile not found (COMMAND-3M9sd)']);
      const get = await expectStatus(auth.getMyProfile(orgB), USER_NOT_FOUND);
      expect([get.code, get.details]).toEqual([5, 'User could not be found (QUERY-HNhb3)']);

      const own = await auth.getMyProfile(orgA);
      expect(own.profile.nickName).toBe('ada');
      expect(own.details.sequence).toBe('1');
      expect(own.details.resourceOwner).toBe('org-a');
    });

    it('answers NOT_FOUND for a subject without a profile', async () => {
      const { token } = await subject();
      await expectStatus(auth.getMyProfile(token), USER_NOT_FOUND);
    });
  });

  describe('validation', () => {
    it('reports every broken rule as a field violation, and changes nothing', async () => {
      const { token } = await subject();
      await auth.updateMyProfile(ADA, token);
      const err = await expectStatus(
        auth.updateMyProfile(
          {
            firstName: '   ',
            lastName: 'x'.repeat(201),
            displayName: 'ok',
            preferredLanguage: 'not-a-language-tag',
            gender: 7,
          },
          token,
        ),
        invalidArgument('FirstName', [
          { field: 'first_name', description: NAME_RULE },
          { field: 'last_name', description: NAME_RULE },
          { field: 'nick_name', description: NAME_RULE },
          { field: 'preferred_language', description: LANGUAGE_LENGTH_RULE },
          { field: 'gender', description: GENDER_RULE },
        ]),
      );
      expect(err.code).toBe(3);
      expect(err.details).toBe(
        'invalid UpdateMyProfileRequest.FirstName: value length must be between 1 and 200 runes, inclusive',
      );
      const after = await auth.getMyProfile(token);
      expect(after.details.sequence).toBe('1');
      expect(after.profile).toEqual(ADA);
    });

    it('rejects an empty request with one violation per required name', async () => {
      const { token } = await subject();
      await expectStatus(
        auth.updateMyProfile({}, token),
        invalidArgument(
          'FirstName',
          ['first_name', 'last_name', 'nick_name', 'display_name'].map((field) => ({
            field,
            description: NAME_RULE,
          })),
        ),
      );
      await expectStatus(auth.getMyProfile(token), USER_NOT_FOUND);
    });

    it.each([7, 4, -1])('rejects the gender number %d as out of range', async (gender) => {
      const { token } = await subject();
      await expectStatus(
        auth.updateMyProfile({ ...ADA, gender }, token),
        invalidArgument('Gender', [{ field: 'gender', description: GENDER_RULE }]),
      );
      await expectStatus(auth.getMyProfile(token), USER_NOT_FOUND);
    });

    it.each([
      ['a malformed language tag', { preferredLanguage: 'en_US!' }, 'preferred_language'],
      ['an empty display name', { displayName: '' }, 'display_name'],
      ['a last name of only spaces', { lastName: ' \t ' }, 'last_name'],
      ['a first name of 201 characters', { firstName: 'a'.repeat(201) }, 'first_name'],
    ])('rejects %s', async (_, change, field) => {
      const { token } = await subject();
      const err = await grpcError(auth.updateMyProfile({ ...ADA, ...change }, token));
      const { status } = grpcStatus(err);
      expect(err.code).toBe(3);
      expect(status.code).toBe(3);
      expect(status.details).toHaveLength(1);
      expect(status.details[0]?.['@type']).toBe('type.googleapis.com/google.rpc.BadRequest');
      const violations = status.details[0]?.fieldViolations as { field: string }[];
      expect(violations.map((v) => v.field)).toEqual([field]);
    });

    it('accepts a language of exactly 10 characters and names of exactly 200', async () => {
      const { token } = await subject();
      const res = await auth.updateMyProfile(
        { ...ADA, firstName: 'a'.repeat(200), preferredLanguage: 'de-CH-1996' },
        token,
      );
      expect(res.details.sequence).toBe('1');
      expect((await auth.getMyProfile(token)).profile.preferredLanguage).toBe('de-CH-1996');
    });
  });

  describe('authentication', () => {
    it.each(['UpdateMyProfile', 'GetMyProfile'])(
      '%s without metadata is 16 "auth header missing" with no details',
      async (method) => {
        const err = await expectStatus(
          auth.call(method, method === 'GetMyProfile' ? {} : ADA, undefined),
          AUTH_HEADER_MISSING,
        );
        expect(err.code).toBe(16);
        expect(err.details).toBe('auth header missing');
      },
    );

    it('checks the token before the request: an invalid request without a token is still 16', async () => {
      await expectStatus(auth.updateMyProfile({ gender: 99 }, undefined), AUTH_HEADER_MISSING);
      await expectStatus(auth.updateMyProfile({ gender: 99 }, 'nope'), TOKEN_INVALID);
    });

    const badTokens: [string, (t: TestApp) => Promise<string> | string][] = [
      ['an expired token', (t) => t.issuer.mint('alice', { expiresInSeconds: -120 })],
      ['a token not valid yet', (t) => t.issuer.mint('alice', { notBeforeSeconds: 300 })],
      ['a wrong issuer', (t) => t.issuer.mint('alice', { iss: 'https://evil.test' })],
      ['a wrong audience', (t) => t.issuer.mint('alice', { aud: 'another-api' })],
      ['no subject', (t) => t.issuer.mint('alice', { sub: null })],
      ['alg none', (t) => t.issuer.noneToken('alice')],
      ['HS256 signed with the public key', (t) => t.issuer.hmacWithPublicKeyToken('alice')],
      ['a key not in the JWKS', (t) => t.issuer.mint('alice', { key: 'unknown' })],
      ['a tampered payload', (t) => t.issuer.tamperedToken('alice')],
      ['garbage', () => 'not.a.jwt'],
    ];

    it.each(badTokens)('rejects %s with 16 AUTH-7fs1e and an ErrorDetail', async (_, make) => {
      const token = await make(t);
      for (const call of [auth.updateMyProfile(ADA, token), auth.getMyProfile(token)]) {
        const err = await expectStatus(call, TOKEN_INVALID);
        expect([err.code, err.details]).toEqual([16, 'Token is invalid (AUTH-7fs1e)']);
        expect(err.details).not.toMatch(/expired|issuer|audience|signature|stack/i);
      }
    });

    it('rejects metadata that is not a bearer token', async () => {
      for (const authorization of ['Basic YWxpY2U6c2VjcmV0', 'Bearer', 'token-without-scheme']) {
        const metadata = bearer(undefined);
        metadata.set('authorization', authorization);
        await expectStatus(auth.getMyProfile(metadata), TOKEN_INVALID);
      }
    });
  });

  describe('the gRPC server', () => {
    it('answers UNIMPLEMENTED (12) for an unknown method or service', async () => {
      const { token } = await subject();
      for (const path of ['/zitadel.auth.v1.AuthService/Nope', '/zitadel.auth.v1.Nope/Get']) {
        const err = await grpcError(auth.raw(path, Buffer.alloc(0), token));
        expect(err.code).toBe(12);
        expect(err.details).toMatch(/Nope/);
      }
    });

    it('sends the Status trailer for UNIMPLEMENTED too', async () => {
      const { token } = await subject();
      const err = await grpcError(
        auth.raw('/zitadel.auth.v1.AuthService/Nope', Buffer.alloc(0), token),
      );
      const { status } = grpcStatus(err);
      expect(status).toEqual({ code: 12, message: err.details, details: [] });
    });

    it('serves the standard health service without a token', async () => {
      const definition = loadSync(HEALTH_PROTO, LOADER_OPTIONS);
      const pkg = loadPackageDefinition(definition) as unknown as {
        grpc: { health: { v1: { Health: ServiceClientConstructor } } };
      };
      const health = new pkg.grpc.health.v1.Health(t.grpcTarget, credentials.createInsecure());
      try {
        type Check = (
          request: { service: string },
          options: CallOptions,
          callback: (err: ServiceError | null, res?: { status: string }) => void,
        ) => void;
        const call = (health as unknown as { Check: Check }).Check.bind(health);
        const check = (service: string) =>
          new Promise<{ status: string } | undefined>((resolve, reject) => {
            call({ service }, { deadline: deadline() }, (err, res) =>
              err ? reject(err) : resolve(res),
            );
          });
        expect(await check('')).toEqual({ status: 'SERVING' });
        expect(await check('zitadel.auth.v1.AuthService')).toEqual({ status: 'SERVING' });
        const unknown = await grpcError(check('no.such.Service'));
        expect(unknown.code).toBe(5);
      } finally {
        health.close();
      }
    });

    it.each(['v1alpha', 'v1'])(
      'serves server reflection (%s) without a token, listing AuthService',
      async (version) => {
        const reflection = reflectionClient(t.grpcTarget, version);
        try {
          const { ask } = reflection;
          const list = await ask({ listServices: '' });
          const names = (list.listServicesResponse?.service ?? []).map((s) => s.name);
          expect(names).toContain('zitadel.auth.v1.AuthService');

          const file = await ask({ fileContainingSymbol: 'zitadel.auth.v1.AuthService' });
          expect(file.errorResponse).toBeFalsy();
          const protos = file.fileDescriptorResponse?.fileDescriptorProto ?? [];
          expect(protos.length).toBeGreaterThan(0);
          expect(Buffer.concat(protos).toString('latin1')).toContain('UpdateMyProfile');
        } finally {
          reflection.close();
        }
      },
    );

    it('serialises concurrent updates of one profile: distinct sequences, none lost', async () => {
      const { token } = await subject();
      await auth.updateMyProfile(ADA, token);
      const count = 10;
      const results = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          auth.updateMyProfile({ ...ADA, nickName: `writer-${i}` }, token),
        ),
      );
      const sequences = results.map((r) => Number(r.details.sequence)).sort((a, b) => a - b);
      expect(sequences).toEqual(Array.from({ length: count }, (_, i) => i + 2));
      const last = results.findIndex((r) => r.details.sequence === String(count + 1));
      const stored = await auth.getMyProfile(token);
      expect(stored.details.sequence).toBe(String(count + 1));
      expect(stored.profile.nickName).toBe(`writer-${last}`);
      expect(stored.details).toEqual(results[last]?.details);
    });

    it('speaks application/grpc+proto as well (raw HTTP/2)', async () => {
      const { token } = await subject({ [RESOURCE_OWNER_CLAIM]: 'org-raw' });
      const written = await auth.updateMyProfile(ADA, token);
      const session = http2.connect(`http://${t.grpcTarget}`);
      try {
        const message = toBinary(GetMyProfileRequestSchema, create(GetMyProfileRequestSchema));
        const frame = Buffer.alloc(5 + message.length);
        frame.writeUInt32BE(message.length, 1);
        Buffer.from(message).copy(frame, 5);
        const { headers, body, trailers } = await new Promise<{
          headers: http2.IncomingHttpHeaders;
          body: Buffer;
          trailers: http2.IncomingHttpHeaders;
        }>((resolve, reject) => {
          const stream = session.request({
            ':method': 'POST',
            ':path': '/zitadel.auth.v1.AuthService/GetMyProfile',
            'content-type': 'application/grpc+proto',
            te: 'trailers',
            authorization: `Bearer ${token}`,
          });
          let responseHeaders: http2.IncomingHttpHeaders = {};
          let responseTrailers: http2.IncomingHttpHeaders = {};
          const chunks: Buffer[] = [];
          stream.on('response', (h) => (responseHeaders = h));
          stream.on('trailers', (h: http2.IncomingHttpHeaders) => (responseTrailers = h));
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () =>
            resolve({
              headers: responseHeaders,
              body: Buffer.concat(chunks),
              trailers: responseTrailers,
            }),
          );
          stream.on('error', reject);
          stream.end(frame);
        });
        expect(headers[':status']).toBe(200);
        expect(String(headers['content-type'])).toMatch(/^application\/grpc/);
        expect(trailers['grpc-status']).toBe('0');
        expect(body[0]).toBe(0);
        const length = body.readUInt32BE(1);
        expect(body.length).toBe(5 + length);
        const response = fromBinary(GetMyProfileResponseSchema, body.subarray(5));
        expect(response.details?.sequence).toBe(1n);
        expect(response.details?.resourceOwner).toBe('org-raw');
        expect(response.profile?.displayName).toBe('Ada Lovelace');
        expect(Number(response.details?.creationDate?.seconds)).toBe(
          Number(written.details.creationDate?.seconds),
        );
        // An error in the same raw exchange carries the Status trailer, decodable as is.
        const missing = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
          const stream = session.request({
            ':method': 'POST',
            ':path': '/zitadel.auth.v1.AuthService/GetMyProfile',
            'content-type': 'application/grpc',
            te: 'trailers',
          });
          let last: http2.IncomingHttpHeaders = {};
          stream.on('response', (h) => (last = h));
          stream.on('trailers', (h: http2.IncomingHttpHeaders) => (last = h));
          stream.on('data', () => undefined);
          stream.on('end', () => resolve(last));
          stream.on('error', reject);
          stream.end(frame);
        });
        expect(missing['grpc-status']).toBe('16');
        const status = decodeStatus(String(missing['grpc-status-details-bin']));
        expect([status.code, status.message, status.details.length]).toEqual([
          16,
          'auth header missing',
          0,
        ]);
      } finally {
        session.close();
      }
    });
  });
});
