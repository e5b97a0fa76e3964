// One service, three transports: what one writes the others read, with the same details, and the
// same input fails with the same google.rpc.Status on REST (JSON body), gRPC (the
// grpc-status-details-bin trailer) and gRPC-web (its trailer, as @connectrpc/connect reports it).
import { timestampMs as connectTimestampMs } from '@bufbuild/protobuf/wkt';
import { type Client } from '@connectrpc/connect';
import { type AuthService } from '../../src/gen/zitadel/auth_pb.js';
import { Gender } from '../../src/gen/zitadel/user_pb.js';
import { RESOURCE_OWNER_CLAIM, startTestApp, type TestApp } from '../support/app.js';
import { connectError, connectStatus, withToken, authGrpcWebClient } from '../support/connect.js';
import {
  AuthGrpcClient,
  grpcError,
  grpcStatus,
  timestampMs,
  type UpdateRequestWire,
} from '../support/grpc.js';
import { AUTH_HEADER_MISSING, http, RFC3339_UTC, TOKEN_INVALID } from '../support/http.js';
import {
  ADA,
  ADA_MESSAGE,
  freshSubject,
  NOT_CHANGED,
  PROFILE_NOT_FOUND,
  USER_NOT_FOUND,
} from '../support/profile.js';
import {
  GENDER_RULE,
  invalidArgument,
  LANGUAGE_LENGTH_RULE,
  NAME_RULE,
  type StatusJson,
} from '../support/status.js';

const PROFILE = '/auth/v1/users/me/profile';

describe('across REST, gRPC and gRPC-web', () => {
  let t: TestApp;
  let grpc: AuthGrpcClient;
  let closeWeb: () => void;
  let web: Client<typeof AuthService>;
  const subject = (claims?: Record<string, unknown>) => t.subject('cross', claims);

  beforeAll(async () => {
    t = await startTestApp();
    grpc = new AuthGrpcClient(t.grpcTarget);
    ({ client: web, close: closeWeb } = authGrpcWebClient(t.baseUrl));
  });
  afterAll(async () => {
    grpc?.close();
    closeWeb?.();
    await t?.close();
  });

  describe('what one transport writes, the others read', () => {
    it('REST update, then gRPC and gRPC-web read the same details and profile', async () => {
      const { token } = await subject({ [RESOURCE_OWNER_CLAIM]: 'org-rest' });
      const put = await http(t.baseUrl, 'PUT', PROFILE, { token, body: ADA });
      expect(put.status).toBe(200);
      const second = await http(t.baseUrl, 'PUT', PROFILE, {
        token,
        body: { ...ADA, nickName: 'countess' },
      });
      expect(second.status).toBe(200);
      const rest = second.body.details;
      expect(rest).toEqual({
        sequence: '2',
        creationDate: put.body.details.creationDate,
        changeDate: expect.stringMatching(RFC3339_UTC),
        resourceOwner: 'org-rest',
      });

      const viaGrpc = await grpc.getMyProfile(token);
      expect(viaGrpc.details.sequence).toBe('2');
      expect(viaGrpc.details.resourceOwner).toBe('org-rest');
      expect(timestampMs(viaGrpc.details.creationDate)).toBe(Date.parse(rest.creationDate));
      expect(timestampMs(viaGrpc.details.changeDate)).toBe(Date.parse(rest.changeDate));
      expect(viaGrpc.profile).toEqual({ ...ADA, nickName: 'countess' });

      const viaWeb = await web.getMyProfile({}, withToken(token));
      expect(viaWeb.details?.sequence).toBe(2n);
      expect(viaWeb.details?.resourceOwner).toBe('org-rest');
      expect(connectTimestampMs(viaWeb.details!.creationDate!)).toBe(Date.parse(rest.creationDate));
      expect(connectTimestampMs(viaWeb.details!.changeDate!)).toBe(Date.parse(rest.changeDate));
      expect(viaWeb.profile?.nickName).toBe('countess');
      expect(viaWeb.profile?.gender).toBe(Gender.FEMALE);
    });

    it('gRPC update, then REST reads it in the JSON shape of the contract', async () => {
      const { token } = await subject({ [RESOURCE_OWNER_CLAIM]: 'org-grpc' });
      const first = await grpc.updateMyProfile(
        { ...ADA, preferredLanguage: '', gender: 'GENDER_UNSPECIFIED' },
        token,
      );
      const second = await grpc.updateMyProfile(
        { ...ADA, displayName: ' Countess of Lovelace ', preferredLanguage: 'en-gb', gender: 2 },
        token,
      );
      expect(second.details.sequence).toBe('2');

      const get = await http(t.baseUrl, 'GET', PROFILE, { token });
      expect(get.status).toBe(200);
      expect(get.body).toEqual({
        details: {
          sequence: '2',
          creationDate: expect.stringMatching(RFC3339_UTC),
          changeDate: expect.stringMatching(RFC3339_UTC),
          resourceOwner: 'org-grpc',
        },
        profile: {
          ...ADA,
          displayName: 'Countess of Lovelace',
          preferredLanguage: 'en-GB',
          gender: 'GENDER_MALE',
        },
      });
      expect(Date.parse(get.body.details.creationDate)).toBe(
        timestampMs(first.details.creationDate),
      );
      expect(Date.parse(get.body.details.changeDate)).toBe(timestampMs(second.details.changeDate));
    });

    it('REST leaves zero values out of what gRPC stored', async () => {
      const { token } = await subject();
      await grpc.updateMyProfile(
        { ...ADA, preferredLanguage: '', gender: 'GENDER_UNSPECIFIED' },
        token,
      );
      const get = await http(t.baseUrl, 'GET', PROFILE, { token });
      expect(get.body.profile).toEqual({
        firstName: 'Ada',
        lastName: 'Lovelace',
        nickName: 'ada',
        displayName: 'Ada Lovelace',
      });
    });

    it('gRPC-web update, then gRPC reads the same details', async () => {
      const { token } = await subject({ [RESOURCE_OWNER_CLAIM]: 'org-web' });
      const written = await web.updateMyProfile(
        { ...ADA_MESSAGE, preferredLanguage: 'fr-ca', gender: Gender.DIVERSE },
        withToken(token),
      );
      const details = written.details!;
      expect(details.sequence).toBe(1n);

      const viaGrpc = await grpc.getMyProfile(token);
      expect(viaGrpc.details.sequence).toBe('1');
      expect(viaGrpc.details.resourceOwner).toBe('org-web');
      expect(timestampMs(viaGrpc.details.creationDate)).toBe(
        connectTimestampMs(details.creationDate!),
      );
      expect(timestampMs(viaGrpc.details.changeDate)).toBe(connectTimestampMs(details.changeDate!));
      expect(viaGrpc.profile).toEqual({
        ...ADA,
        preferredLanguage: 'fr-CA',
        gender: 'GENDER_DIVERSE',
      });
    });

    it('one sequence across transports: each transport appends the next event', async () => {
      const { token } = await subject();
      await http(t.baseUrl, 'PUT', PROFILE, { token, body: ADA });
      const viaGrpc = await grpc.updateMyProfile({ ...ADA, nickName: 'two' }, token);
      const viaWeb = await web.updateMyProfile(
        { ...ADA_MESSAGE, nickName: 'three' },
        withToken(token),
      );
      const viaRest = await http(t.baseUrl, 'PUT', PROFILE, {
        token,
        body: { ...ADA, nickName: 'four' },
      });
      expect([
        viaGrpc.details.sequence,
        viaWeb.details?.sequence,
        viaRest.body.details.sequence,
      ]).toEqual(['2', 3n, '4']);
      // The same values again, on any transport, are no change.
      await expect(
        grpcError(grpc.updateMyProfile({ ...ADA, nickName: 'four' }, token)).then(
          (err) => grpcStatus(err).status,
        ),
      ).resolves.toEqual(NOT_CHANGED);
      const webErr = await connectError(
        web.updateMyProfile({ ...ADA_MESSAGE, nickName: 'four' }, withToken(token)),
      );
      expect(connectStatus(webErr).trailer).toEqual(NOT_CHANGED);
    });
  });

  describe('the same error on every transport', () => {
    /** The Status each transport answers for the same call. */
    const statuses = async (
      request: UpdateRequestWire | 'get',
      token: string | undefined,
    ): Promise<{ rest: unknown; grpc: StatusJson; web: StatusJson; webReported: StatusJson }> => {
      const rest =
        request === 'get'
          ? await http(t.baseUrl, 'GET', PROFILE, token === undefined ? {} : { token })
          : await http(t.baseUrl, 'PUT', PROFILE, {
              body: request,
              ...(token === undefined ? {} : { token }),
            });
      expect(rest.status).toBeGreaterThanOrEqual(400);
      const grpcErr = await grpcError(
        request === 'get' ? grpc.getMyProfile(token) : grpc.updateMyProfile(request, token),
      );
      const options = token === undefined ? {} : withToken(token);
      const webErr = await connectError(
        request === 'get'
          ? web.getMyProfile({}, options)
          : web.updateMyProfile(
              {
                ...request,
                gender:
                  typeof request.gender === 'string'
                    ? Gender[request.gender.replace('GENDER_', '') as keyof typeof Gender]
                    : request.gender,
              },
              options,
            ),
      );
      const { trailer, reported } = connectStatus(webErr);
      const { status, code, message } = grpcStatus(grpcErr);
      expect([code, message]).toEqual([status.code, status.message]);
      return { rest: rest.body, grpc: status, web: trailer, webReported: reported };
    };

    const expectSame = (
      got: { rest: unknown; grpc: StatusJson; web: StatusJson; webReported: StatusJson },
      expected: unknown,
    ) => {
      expect(got.rest).toEqual(expected);
      expect(got.grpc).toEqual(got.rest);
      expect(got.web).toEqual(got.rest);
      expect(got.webReported).toEqual(got.rest);
    };

    it('invalid input: INVALID_ARGUMENT with the same BadRequest', async () => {
      const { token } = await subject();
      const got = await statuses(
        {
          firstName: '   ',
          lastName: 'x'.repeat(201),
          displayName: 'ok',
          preferredLanguage: 'not-a-language-tag',
          gender: 7,
        },
        token,
      );
      expectSame(
        got,
        invalidArgument('FirstName', [
          { field: 'first_name', description: NAME_RULE },
          { field: 'last_name', description: NAME_RULE },
          { field: 'nick_name', description: NAME_RULE },
          { field: 'preferred_language', description: LANGUAGE_LENGTH_RULE },
          { field: 'gender', description: GENDER_RULE },
        ]),
      );
    });

    it('201 code points: the same violation', async () => {
      const { token } = await subject();
      expectSame(
        await statuses({ ...ADA, nickName: '😀'.repeat(201) }, token),
        invalidArgument('NickName', [{ field: 'nick_name', description: NAME_RULE }]),
      );
    });

    it('no change: FAILED_PRECONDITION COMMAND-2M0fs', async () => {
      const { token } = await subject();
      expect((await http(t.baseUrl, 'PUT', PROFILE, { token, body: ADA })).status).toBe(200);
      expectSame(await statuses(ADA, token), NOT_CHANGED);
    });

    it('another organisation: COMMAND-3M9sd on update, QUERY-HNhb3 on read', async () => {
      const sub = freshSubject('owned');
      const orgA = await t.issuer.mint(sub, { claims: { [RESOURCE_OWNER_CLAIM]: 'org-a' } });
      const orgB = await t.issuer.mint(sub, { claims: { [RESOURCE_OWNER_CLAIM]: 'org-b' } });
      await grpc.updateMyProfile(ADA, orgA);
      expectSame(await statuses({ ...ADA, nickName: 'b' }, orgB), PROFILE_NOT_FOUND);
      expectSame(await statuses('get', orgB), USER_NOT_FOUND);
    });

    it('no profile: NOT_FOUND QUERY-HNhb3', async () => {
      const { token } = await subject();
      expectSame(await statuses('get', token), USER_NOT_FOUND);
    });

    it('no token: UNAUTHENTICATED "auth header missing" without details', async () => {
      expectSame(await statuses(ADA, undefined), AUTH_HEADER_MISSING);
      expectSame(await statuses('get', undefined), AUTH_HEADER_MISSING);
    });

    it.each([
      ['expired', (t: TestApp) => t.issuer.mint('bob', { expiresInSeconds: -120 })],
      ['alg none', (t: TestApp) => Promise.resolve(t.issuer.noneToken('bob'))],
      ['unknown key', (t: TestApp) => t.issuer.mint('bob', { key: 'unknown' })],
    ])('a bad token (%s): UNAUTHENTICATED AUTH-7fs1e', async (_, make) => {
      const token = await make(t);
      expectSame(await statuses(ADA, token), TOKEN_INVALID);
      expectSame(await statuses('get', token), TOKEN_INVALID);
    });
  });
});
