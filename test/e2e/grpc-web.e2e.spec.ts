// The contract over gRPC-web on the HTTP port: a @connectrpc/connect client with the gRPC-web
// transport of @connectrpc/connect-node (HTTP/1.1), plus hand-made fetch exchanges for
// application/grpc-web-text, CORS and unknown methods.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { type Client } from '@connectrpc/connect';
import { BadRequestSchema } from '../../src/gen/google/rpc/error_details_pb.js';
import {
  type AuthService,
  GetMyProfileRequestSchema,
  GetMyProfileResponseSchema,
  UpdateMyProfileRequestSchema,
  UpdateMyProfileResponseSchema,
} from '../../src/gen/zitadel/auth_pb.js';
import { ErrorDetailSchema } from '../../src/gen/zitadel/message_pb.js';
import { type ObjectDetails } from '../../src/gen/zitadel/object_pb.js';
import { Gender } from '../../src/gen/zitadel/user_pb.js';
import { RESOURCE_OWNER_CLAIM, startTestApp, type TestApp } from '../support/app.js';
import { connectError, connectStatus, withToken, authGrpcWebClient } from '../support/connect.js';
import { grpcWebFetch } from '../support/grpc-web.js';
import { AUTH_HEADER_MISSING, TOKEN_INVALID } from '../support/http.js';
import {
  ADA_MESSAGE,
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
  statusJson,
} from '../support/status.js';

const UPDATE = '/zitadel.auth.v1.AuthService/UpdateMyProfile';
const GET = '/zitadel.auth.v1.AuthService/GetMyProfile';

/** A profile message without its $typeName, for comparison with plain values. */
function plain(message: object | undefined): Record<string, unknown> {
  if (message === undefined) throw new Error('message missing');
  return Object.fromEntries(Object.entries(message).filter(([key]) => key !== '$typeName'));
}

function detailsOf(details: ObjectDetails | undefined): ObjectDetails {
  if (details === undefined) throw new Error('details missing');
  return details;
}

describe('gRPC-web (@connectrpc/connect-node, HTTP/1.1)', () => {
  let t: TestApp;
  let closeWeb: () => void;
  let client: Client<typeof AuthService>;
  const subject = (claims?: Record<string, unknown>) => t.subject('grpcweb', claims);

  beforeAll(async () => {
    t = await startTestApp();
    ({ client: client, close: closeWeb } = authGrpcWebClient(t.baseUrl));
  });
  afterAll(async () => {
    closeWeb?.();
    await t?.close();
  });

  /** Expects the call to fail with exactly this Status, as reported and in the trailer. */
  const expectStatus = async (call: Promise<unknown>, expected: unknown) => {
    const err = await connectError(call);
    const { reported, trailer } = connectStatus(err);
    expect(trailer).toEqual(expected);
    expect(reported).toEqual(expected);
    expect(err.metadata.get('grpc-status')).toBe(String(err.code));
    expect(decodeURIComponent(err.metadata.get('grpc-message') ?? '')).toBe(err.rawMessage);
    return err;
  };

  describe('UpdateMyProfile and GetMyProfile', () => {
    it('creates the profile on the first update (sequence 1) and reads it back', async () => {
      const { token } = await subject({ [RESOURCE_OWNER_CLAIM]: 'org-a' });
      const before = Date.now();
      const res = await client.updateMyProfile(ADA_MESSAGE, withToken(token));
      const after = Date.now();
      const details = detailsOf(res.details);
      expect(details.sequence).toBe(1n);
      expect(details.resourceOwner).toBe('org-a');
      expect(details.creationDate).toBeDefined();
      expect(details.changeDate).toEqual(details.creationDate);
      const created = timestampMs(details.creationDate!);
      expect(created).toBeGreaterThanOrEqual(before - 1000);
      expect(created).toBeLessThanOrEqual(after + 1000);

      const get = await client.getMyProfile({}, withToken(token));
      expect(get.details).toEqual(details);
      expect(plain(get.profile)).toEqual(ADA_MESSAGE);
    });

    it('gives a token without the resource-owner claim the default organisation', async () => {
      const { token } = await subject();
      const res = await client.updateMyProfile(ADA_MESSAGE, withToken(token));
      expect(res.details?.resourceOwner).toBe('default-org');
    });

    it('stores values trimmed and the language in canonical form', async () => {
      const { token } = await subject();
      await client.updateMyProfile(
        {
          ...ADA_MESSAGE,
          lastName: ' Lovelace  ',
          nickName: '\u2003ada',
          preferredLanguage: 'en-us',
          gender: Gender.MALE,
        },
        withToken(token),
      );
      const { profile } = await client.getMyProfile({}, withToken(token));
      expect(plain(profile)).toEqual({
        ...ADA_MESSAGE,
        preferredLanguage: 'en-US',
        gender: Gender.MALE,
      });
    });

    it('counts code points: 200 emoji are allowed, 201 are not', async () => {
      const { token } = await subject();
      // 50 flags of 4 code points each (6 UTF-16 units, 14 UTF-8 bytes): 200 code points.
      const flags = '\u{1F3F3}\u{FE0F}\u{200D}\u{1F308}'.repeat(50);
      await client.updateMyProfile({ ...ADA_MESSAGE, displayName: flags }, withToken(token));
      expect((await client.getMyProfile({}, withToken(token))).profile?.displayName).toBe(flags);
      const err = await expectStatus(
        client.updateMyProfile({ ...ADA_MESSAGE, displayName: `${flags}x` }, withToken(token)),
        invalidArgument('DisplayName', [{ field: 'display_name', description: NAME_RULE }]),
      );
      expect(err.rawMessage).toBe(`invalid UpdateMyProfileRequest.DisplayName: ${NAME_RULE}`);
      const ok = await client.updateMyProfile(
        { ...ADA_MESSAGE, displayName: '😀'.repeat(200) },
        withToken(token),
      );
      expect(ok.details?.sequence).toBe(2n);
    });

    it('increments the sequence per change, keeps the creation date, and refuses a no-op', async () => {
      const { token } = await subject();
      const first = detailsOf(
        (await client.updateMyProfile(ADA_MESSAGE, withToken(token))).details,
      );
      const second = detailsOf(
        (await client.updateMyProfile({ ...ADA_MESSAGE, lastName: 'King' }, withToken(token)))
          .details,
      );
      expect(second.sequence).toBe(2n);
      expect(second.creationDate).toEqual(first.creationDate);
      expect(timestampMs(second.changeDate!)).toBeGreaterThanOrEqual(
        timestampMs(first.changeDate!),
      );

      const err = await expectStatus(
        client.updateMyProfile(
          { ...ADA_MESSAGE, lastName: 'King ', preferredLanguage: 'EN' },
          withToken(token),
        ),
        NOT_CHANGED,
      );
      expect(err.code).toBe(9);
      expect(err.rawMessage).toBe('Profile not changed (COMMAND-2M0fs)');
      expect(plain(err.findDetails(ErrorDetailSchema)[0])).toEqual({
        id: 'COMMAND-2M0fs',
        message: 'Profile not changed',
      });
      expect(err.findDetails(ErrorDetailSchema)).toHaveLength(1);
      expect(err.findDetails(BadRequestSchema)).toEqual([]);
      expect((await client.getMyProfile({}, withToken(token))).details).toEqual(second);
    });

    it('keeps the resource owner fixed: another organisation can neither read nor change it', async () => {
      const sub = freshSubject('owned');
      const orgA = await t.issuer.mint(sub, { claims: { [RESOURCE_OWNER_CLAIM]: 'org-a' } });
      const orgB = await t.issuer.mint(sub, { claims: { [RESOURCE_OWNER_CLAIM]: 'org-b' } });
      await client.updateMyProfile(ADA_MESSAGE, withToken(orgA));

      const put = await expectStatus(
        client.updateMyProfile({ ...ADA_MESSAGE, nickName: 'x' }, withToken(orgB)),
        PROFILE_NOT_FOUND,
      );
      expect([put.code, put.rawMessage]).toEqual([9, 'Profile not found (COMMAND-3M9sd)']);
      expect(plain(put.findDetails(ErrorDetailSchema)[0])).toEqual({
        id: 'COMMAND-3M9sd',
        message: 'Profile not found',
      });
      const get = await expectStatus(client.getMyProfile({}, withToken(orgB)), USER_NOT_FOUND);
      expect([get.code, get.rawMessage]).toEqual([5, 'User could not be found (QUERY-HNhb3)']);
      expect(plain(get.findDetails(ErrorDetailSchema)[0])).toEqual({
        id: 'QUERY-HNhb3',
        message: 'User could not be found',
      });

      const own = await client.getMyProfile({}, withToken(orgA));
      expect(own.details?.sequence).toBe(1n);
      expect(own.profile?.nickName).toBe('ada');
    });

    it('answers NOT_FOUND for a subject without a profile', async () => {
      const { token } = await subject();
      const err = await expectStatus(client.getMyProfile({}, withToken(token)), USER_NOT_FOUND);
      expect(err.code).toBe(5);
    });
  });

  describe('validation', () => {
    it('reports every broken rule as a field violation, and changes nothing', async () => {
      const { token } = await subject();
      await client.updateMyProfile(ADA_MESSAGE, withToken(token));
      const err = await expectStatus(
        client.updateMyProfile(
          {
            firstName: '   ',
            lastName: 'x'.repeat(201),
            displayName: 'ok',
            preferredLanguage: 'not-a-language-tag',
            gender: 7 as Gender,
          },
          withToken(token),
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
      expect(err.rawMessage).toBe(
        'invalid UpdateMyProfileRequest.FirstName: value length must be between 1 and 200 runes, inclusive',
      );
      const [badRequest, ...more] = err.findDetails(BadRequestSchema);
      expect(more).toEqual([]);
      expect(badRequest?.fieldViolations.map((v) => [v.field, v.description])).toEqual([
        ['first_name', NAME_RULE],
        ['last_name', NAME_RULE],
        ['nick_name', NAME_RULE],
        ['preferred_language', LANGUAGE_LENGTH_RULE],
        ['gender', GENDER_RULE],
      ]);
      expect(err.findDetails(ErrorDetailSchema)).toEqual([]);
      const after = await client.getMyProfile({}, withToken(token));
      expect(after.details?.sequence).toBe(1n);
      expect(plain(after.profile)).toEqual(ADA_MESSAGE);
    });

    it('rejects the gender number 7 with a violation on gender', async () => {
      const { token } = await subject();
      const err = await expectStatus(
        client.updateMyProfile({ ...ADA_MESSAGE, gender: 7 as Gender }, withToken(token)),
        invalidArgument('Gender', [{ field: 'gender', description: GENDER_RULE }]),
      );
      expect(err.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field)).toEqual([
        'gender',
      ]);
    });
  });

  describe('authentication', () => {
    it('answers 16 "auth header missing" without details when there is no token', async () => {
      for (const call of [
        client.updateMyProfile(ADA_MESSAGE),
        client.getMyProfile({}),
        client.updateMyProfile({ gender: 99 as Gender }),
      ]) {
        const err = await expectStatus(call, AUTH_HEADER_MISSING);
        expect([err.code, err.rawMessage]).toEqual([16, 'auth header missing']);
        expect(err.findDetails(ErrorDetailSchema)).toEqual([]);
        expect(err.details).toEqual([]);
      }
    });

    const badTokens: [string, (t: TestApp) => Promise<string> | string][] = [
      ['an expired token', (t) => t.issuer.mint('alice', { expiresInSeconds: -120 })],
      ['a wrong issuer', (t) => t.issuer.mint('alice', { iss: 'https://evil.test' })],
      ['a wrong audience', (t) => t.issuer.mint('alice', { aud: 'another-api' })],
      ['alg none', (t) => t.issuer.noneToken('alice')],
      ['HS256 signed with the public key', (t) => t.issuer.hmacWithPublicKeyToken('alice')],
      ['a key not in the JWKS', (t) => t.issuer.mint('alice', { key: 'unknown' })],
      ['garbage', () => 'not.a.jwt'],
    ];

    it.each(badTokens)('rejects %s with 16 AUTH-7fs1e and an ErrorDetail', async (_, make) => {
      const token = await make(t);
      for (const call of [
        client.updateMyProfile(ADA_MESSAGE, withToken(token)),
        client.getMyProfile({}, withToken(token)),
      ]) {
        const err = await expectStatus(call, TOKEN_INVALID);
        expect([err.code, err.rawMessage]).toEqual([16, 'Token is invalid (AUTH-7fs1e)']);
        expect(err.findDetails(ErrorDetailSchema).map((d) => [d.id, d.message])).toEqual([
          ['AUTH-7fs1e', 'Token is invalid'],
        ]);
      }
    });
  });

  describe('raw gRPC-web over fetch', () => {
    const updateBody = (init: Partial<typeof ADA_MESSAGE> = {}) =>
      toBinary(
        UpdateMyProfileRequestSchema,
        create(UpdateMyProfileRequestSchema, { ...ADA_MESSAGE, ...init }),
      );
    const getBody = () => toBinary(GetMyProfileRequestSchema, create(GetMyProfileRequestSchema));

    it('speaks application/grpc-web-text: base64 request and response', async () => {
      const { token } = await subject({ [RESOURCE_OWNER_CLAIM]: 'org-text' });
      const put = await grpcWebFetch(t.baseUrl, UPDATE, updateBody(), {
        token,
        contentType: 'application/grpc-web-text',
      });
      expect(put.httpStatus).toBe(200);
      expect(put.headers.get('content-type')).toMatch(/^application\/grpc-web-text/);
      expect(put.status['grpc-status']).toBe('0');
      expect(put.messages).toHaveLength(1);
      const updated = fromBinary(UpdateMyProfileResponseSchema, put.messages[0]!);
      expect(updated.details?.sequence).toBe(1n);
      expect(updated.details?.resourceOwner).toBe('org-text');

      const get = await grpcWebFetch(t.baseUrl, GET, getBody(), {
        token,
        contentType: 'application/grpc-web-text',
      });
      expect(get.status['grpc-status']).toBe('0');
      expect(get.messages).toHaveLength(1);
      const read = fromBinary(GetMyProfileResponseSchema, get.messages[0]!);
      expect(read.details).toEqual(updated.details);
      expect(plain(read.profile)).toEqual(ADA_MESSAGE);
    });

    it('reports an error in application/grpc-web-text with the Status', async () => {
      const { token } = await subject();
      const res = await grpcWebFetch(t.baseUrl, GET, getBody(), {
        token,
        contentType: 'application/grpc-web-text',
      });
      expect(res.httpStatus).toBe(200);
      expect(res.messages).toEqual([]);
      expect(res.status['grpc-status']).toBe('5');
      expect(decodeURIComponent(res.status['grpc-message'] ?? '')).toBe(
        'User could not be found (QUERY-HNhb3)',
      );
      expect(statusJson(decodeStatus(res.status['grpc-status-details-bin'] ?? ''))).toEqual(
        USER_NOT_FOUND,
      );
    });

    it.each(['application/grpc-web', 'application/grpc-web+proto'])(
      'speaks %s (binary)',
      async (contentType) => {
        const { token } = await subject();
        const put = await grpcWebFetch(t.baseUrl, UPDATE, updateBody(), { token, contentType });
        expect(put.headers.get('content-type')).toMatch(/^application\/grpc-web(\+proto)?$/);
        expect(put.status['grpc-status']).toBe('0');
        const again = await grpcWebFetch(t.baseUrl, UPDATE, updateBody(), { token, contentType });
        expect(again.status['grpc-status']).toBe('9');
        expect(statusJson(decodeStatus(again.status['grpc-status-details-bin'] ?? ''))).toEqual(
          NOT_CHANGED,
        );
      },
    );

    it('answers a CORS preflight that allows the gRPC-web headers', async () => {
      const origin = 'https://app.example.test';
      const res = await fetch(`${t.baseUrl}${UPDATE}`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-grpc-web,x-user-agent',
        },
      });
      await res.arrayBuffer();
      expect(res.status).toBeGreaterThanOrEqual(200);
      expect(res.status).toBeLessThan(300);
      expect([origin, '*']).toContain(res.headers.get('access-control-allow-origin'));
      expect(res.headers.get('access-control-allow-methods')).toMatch(/\bPOST\b/);
      const allowed = (res.headers.get('access-control-allow-headers') ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase());
      expect(allowed).toEqual(
        expect.arrayContaining(['authorization', 'content-type', 'x-grpc-web', 'x-user-agent']),
      );
    });

    it('lets a browser read grpc-status, grpc-message and grpc-status-details-bin', async () => {
      const origin = 'https://app.example.test';
      const { token } = await subject();
      // An error (its status in the trailer frame, as the contract says) and a success.
      const error = await grpcWebFetch(t.baseUrl, GET, getBody(), { token, headers: { origin } });
      const success = await grpcWebFetch(t.baseUrl, UPDATE, updateBody(), {
        token,
        headers: { origin },
      });
      expect(error.status['grpc-status']).toBe('5');
      expect(error.statusIn).toBe('trailer');
      expect(error.messages).toHaveLength(0);
      expect(success.status['grpc-status']).toBe('0');
      expect(success.statusIn).toBe('trailer');
      for (const res of [error, success]) {
        expect([origin, '*']).toContain(res.headers.get('access-control-allow-origin'));
        const exposed = (res.headers.get('access-control-expose-headers') ?? '')
          .split(',')
          .map((h) => h.trim().toLowerCase());
        expect(exposed).toEqual(
          expect.arrayContaining(['grpc-status', 'grpc-message', 'grpc-status-details-bin']),
        );
      }
    });

    it('answers grpc-status 12 for an unknown method', async () => {
      const { token } = await subject();
      for (const path of ['/zitadel.auth.v1.AuthService/Nope', '/zitadel.auth.v1.Nope/Get']) {
        const res = await grpcWebFetch(t.baseUrl, path, new Uint8Array(), { token });
        expect(res.httpStatus).toBe(200);
        expect(res.status['grpc-status']).toBe('12');
        expect(res.messages).toEqual([]);
      }
    });
  });
});
