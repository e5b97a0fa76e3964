// ZITADEL's own published clients, used as a ZITADEL user would, pointed at this service:
// @zitadel/node (ts-proto + nice-grpc over @grpc/grpc-js) and @zitadel/client (connect: gRPC over
// HTTP/2 from its node entry, gRPC-web over fetch from its web entry). Wire compatibility means
// their generated messages for zitadel.auth.v1 read and write ours unchanged.
import { createAuthClient, createAccessTokenInterceptor } from '@zitadel/node/dist/api/index.js';
import { Gender as NodeGender } from '@zitadel/node/dist/api/generated/zitadel/user.js';
// @zitadel/client 1.3.1 declares a ConnectError re-export in its index.d.ts, but its bundle does
// not export it at run time; ConnectError of @connectrpc/connect recognises errors of any copy.
import { ConnectError } from '@connectrpc/connect';
import { toDate } from '@zitadel/client';
import { createServerTransport } from '@zitadel/client/node';
import { createAuthServiceClient } from '@zitadel/client/v1';
import { createClientTransport } from '@zitadel/client/web';
import { ErrorDetailSchema } from '@zitadel/proto/zitadel/message_pb.js';
import { Gender } from '@zitadel/proto/zitadel/user_pb.js';
import { Http2SessionManager } from '@connectrpc/connect-node';
import { RESOURCE_OWNER_CLAIM, startTestApp, type TestApp } from '../support/app.js';
import { ADA, NOT_CHANGED } from '../support/profile.js';
import { decodeStatus, statusJson } from '../support/status.js';
import { http, TOKEN_INVALID } from '../support/http.js';

const nodeProfile = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  nickName: 'ada',
  displayName: 'Ada Lovelace',
  preferredLanguage: 'en',
  gender: NodeGender.GENDER_FEMALE,
};

const clientProfile = { ...nodeProfile, gender: Gender.FEMALE };

/** The error a nice-grpc call rejected with (a ClientError: code, details, path). */
async function niceError(
  call: Promise<unknown>,
): Promise<{ name: string; code: number; details: string; path: string }> {
  try {
    await call;
  } catch (err) {
    if (err instanceof Error && 'code' in err && 'details' in err) {
      return err as Error & { code: number; details: string; path: string };
    }
    throw err;
  }
  throw new Error('expected the call to fail');
}

async function connectError(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ConnectError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe("ZITADEL's published clients", () => {
  let t: TestApp;
  const subject = (claims?: Record<string, unknown>) => t.subject('zitadel', claims);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('@zitadel/node (nice-grpc)', () => {
    const client = (token: string) =>
      createAuthClient(`http://${t.grpcTarget}`, createAccessTokenInterceptor(token));

    it('updates and reads the profile with createAuthClient and an access-token interceptor', async () => {
      const { token } = await subject({ [RESOURCE_OWNER_CLAIM]: 'org-node' });
      const auth = client(token);
      const before = Date.now();
      const res = await auth.updateMyProfile(nodeProfile);
      const details = res.details!;
      expect(details.sequence.toString()).toBe('1');
      expect(details.resourceOwner).toBe('org-node');
      expect(details.creationDate).toBeInstanceOf(Date);
      expect(details.changeDate).toEqual(details.creationDate);
      expect(Math.abs(details.creationDate!.getTime() - before)).toBeLessThan(60_000);

      const get = await auth.getMyProfile({});
      expect(get.details?.sequence.toString()).toBe('1');
      expect(get.details?.creationDate).toEqual(details.creationDate);
      expect(get.details?.resourceOwner).toBe('org-node');
      // ZITADEL's Profile also has avatar_url (7), which this service never sets.
      expect(get.profile).toEqual({ ...nodeProfile, avatarUrl: '' });

      const next = await auth.updateMyProfile({ ...nodeProfile, gender: NodeGender.GENDER_MALE });
      expect(next.details?.sequence.toString()).toBe('2');
      expect((await auth.getMyProfile({})).profile?.gender).toBe(NodeGender.GENDER_MALE);
    });

    it('reads the history written through REST with listMyUserChanges', async () => {
      const { sub, token } = await subject({ [RESOURCE_OWNER_CLAIM]: 'org-node' });
      for (const nickName of ['ada', 'countess']) {
        const res = await http(t.baseUrl, 'PUT', '/auth/v1/users/me/profile', {
          token,
          body: { ...ADA, nickName },
        });
        expect(res.status).toBe(200);
      }
      const auth = client(token);
      const newest = await auth.listMyUserChanges({
        query: { sequence: 0, limit: 10, asc: false },
      });
      expect(newest.result.map((c) => [c.sequence.toString(), c.eventType?.key])).toEqual([
        ['2', 'user.human.profile.changed'],
        ['1', 'user.human.profile.added'],
      ]);
      expect(newest.result[1]).toMatchObject({
        editorId: sub,
        resourceOwnerId: 'org-node',
        eventType: { key: 'user.human.profile.added', localizedMessage: 'Profile added' },
      });
      expect(newest.result[1]?.changeDate).toBeInstanceOf(Date);
      const oldest = await auth.listMyUserChanges({ query: { sequence: 1, limit: 0, asc: true } });
      expect(oldest.result.map((c) => c.sequence.toString())).toEqual(['2']);
      const err = await niceError(
        auth.listMyUserChanges({ query: { sequence: 0, limit: 1001, asc: false } }),
      );
      expect(err.code).toBe(3);
    });

    it('surfaces NotChanged as a ClientError with code 9, and the Status in the trailer', async () => {
      const { token } = await subject();
      const auth = client(token);
      await auth.updateMyProfile(nodeProfile);
      let trailer: Uint8Array | undefined;
      const err = await niceError(
        auth.updateMyProfile(nodeProfile, {
          onTrailer: (metadata) => {
            trailer = metadata.get('grpc-status-details-bin');
          },
        }),
      );
      expect(err.name).toBe('ClientError');
      expect(err.code).toBe(9);
      expect(err.details).toBe('Profile not changed (COMMAND-2M0fs)');
      expect(err.path).toBe('/zitadel.auth.v1.AuthService/UpdateMyProfile');
      expect(trailer).toBeInstanceOf(Uint8Array);
      expect(statusJson(decodeStatus(trailer!))).toEqual(NOT_CHANGED);
    });

    it('surfaces an invalid token as a ClientError with code 16', async () => {
      for (const token of [
        await t.issuer.mint('node-user', { expiresInSeconds: -120 }),
        t.issuer.noneToken('node-user'),
      ]) {
        const auth = client(token);
        let trailer: Uint8Array | undefined;
        const err = await niceError(
          auth.getMyProfile(
            {},
            {
              onTrailer: (metadata) => {
                trailer = metadata.get('grpc-status-details-bin');
              },
            },
          ),
        );
        expect([err.code, err.details]).toEqual([16, 'Token is invalid (AUTH-7fs1e)']);
        expect(statusJson(decodeStatus(trailer!))).toEqual(TOKEN_INVALID);
        const update = await niceError(auth.updateMyProfile(nodeProfile));
        expect([update.code, update.details]).toEqual([16, 'Token is invalid (AUTH-7fs1e)']);
      }
    });
  });

  describe('@zitadel/client (connect)', () => {
    let sessions: Http2SessionManager;

    beforeAll(() => {
      sessions = new Http2SessionManager(`http://${t.grpcTarget}`);
    });
    afterAll(() => {
      sessions?.abort();
    });

    const transports: [string, (token: string) => Parameters<typeof createAuthServiceClient>[0]][] =
      [
        [
          'gRPC (createServerTransport from @zitadel/client/node)',
          (token) =>
            createServerTransport(token, {
              baseUrl: `http://${t.grpcTarget}`,
              sessionManager: sessions,
            }),
        ],
        [
          'gRPC-web (createClientTransport from @zitadel/client/web)',
          (token) => createClientTransport(token, { baseUrl: t.baseUrl }),
        ],
      ];

    describe.each(transports)('over %s', (_, transport) => {
      it('updates and reads the profile with createAuthServiceClient', async () => {
        const { token } = await subject({ [RESOURCE_OWNER_CLAIM]: 'org-client' });
        const auth = createAuthServiceClient(transport(token));
        const res = await auth.updateMyProfile(clientProfile);
        const details = res.details!;
        expect(details.sequence).toBe(1n);
        expect(details.resourceOwner).toBe('org-client');
        expect(toDate(details.creationDate)).toBeInstanceOf(Date);
        expect(toDate(details.changeDate)).toEqual(toDate(details.creationDate));

        const get = await auth.getMyProfile({});
        expect(get.details?.sequence).toBe(1n);
        expect(toDate(get.details?.creationDate)).toEqual(toDate(details.creationDate));
        expect(get.details?.resourceOwner).toBe('org-client');
        expect(get.profile).toMatchObject({ ...clientProfile, avatarUrl: '' });

        const next = await auth.updateMyProfile({ ...clientProfile, nickName: 'countess' });
        expect(next.details?.sequence).toBe(2n);
      });

      it('reads the history written through REST with listMyUserChanges', async () => {
        const { sub, token } = await subject({ [RESOURCE_OWNER_CLAIM]: 'org-client' });
        for (const nickName of ['ada', 'countess', 'lady']) {
          const res = await http(t.baseUrl, 'PUT', '/auth/v1/users/me/profile', {
            token,
            body: { ...ADA, nickName },
          });
          expect(res.status).toBe(200);
        }
        const auth = createAuthServiceClient(transport(token));
        const page = await auth.listMyUserChanges({ query: { limit: 2 } });
        expect(page.result.map((c) => c.sequence)).toEqual([3n, 2n]);
        expect(page.result[0]).toMatchObject({
          editorId: sub,
          resourceOwnerId: 'org-client',
          eventType: { key: 'user.human.profile.changed', localizedMessage: 'Profile changed' },
        });
        const rest = await auth.listMyUserChanges({ query: { sequence: 2n } });
        expect(rest.result.map((c) => c.sequence)).toEqual([1n]);
        expect(toDate(rest.result[0]?.changeDate)).toBeInstanceOf(Date);
      });

      it('surfaces NotChanged as a ConnectError with code 9 and an ErrorDetail', async () => {
        const { token } = await subject();
        const auth = createAuthServiceClient(transport(token));
        await auth.updateMyProfile(clientProfile);
        const err = await connectError(auth.updateMyProfile(clientProfile));
        expect(err.code).toBe(9);
        expect(err.rawMessage).toBe('Profile not changed (COMMAND-2M0fs)');
        expect(err.findDetails(ErrorDetailSchema).map((d) => [d.id, d.message])).toEqual([
          ['COMMAND-2M0fs', 'Profile not changed'],
        ]);
      });

      it('surfaces an invalid token as a ConnectError with code 16 and an ErrorDetail', async () => {
        const auth = createAuthServiceClient(
          transport(await t.issuer.mint('client-user', { iss: 'https://evil.test' })),
        );
        for (const call of [auth.getMyProfile({}), auth.updateMyProfile(clientProfile)]) {
          const err = await connectError(call);
          expect(err.code).toBe(16);
          expect(err.rawMessage).toBe('Token is invalid (AUTH-7fs1e)');
          expect(err.findDetails(ErrorDetailSchema).map((d) => [d.id, d.message])).toEqual([
            ['AUTH-7fs1e', 'Token is invalid'],
          ]);
        }
      });
    });
  });
});
