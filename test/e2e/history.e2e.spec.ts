// ListMyUserChanges (contract section 7) over REST, gRPC and gRPC-web: the caller's own profile
// events, newest first or oldest first, a page at a time with a sequence cursor.
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { type Client } from '@connectrpc/connect';
import { type AuthService } from '../../src/gen/zitadel/auth_pb.js';
import { RESOURCE_OWNER_CLAIM, startTestApp, type TestApp } from '../support/app.js';
import { connectError, connectStatus, withToken, authGrpcWebClient } from '../support/connect.js';
import { AuthGrpcClient, grpcError, grpcStatus } from '../support/grpc.js';
import { AUTH_HEADER_MISSING, http, RFC3339_UTC, TOKEN_INVALID } from '../support/http.js';
import { ADA } from '../support/profile.js';

const PROFILE = '/auth/v1/users/me/profile';
const SEARCH = '/auth/v1/users/me/changes/_search';
const ALIAS = '/users/me/changes/_search';

/** A change as REST answers it (protobuf JSON). */
interface ChangeJson {
  changeDate: string;
  eventType: { key: string; localizedMessage: string };
  sequence: string;
  editorId: string;
  resourceOwnerId: string;
}

/** A change as the proto-loader gRPC client decodes it (longs as strings, defaults present). */
interface ChangeWire {
  changeDate: { seconds: string; nanos: number };
  eventType: { key: string; localizedMessage: string };
  sequence: string;
  editorId: string;
  editorDisplayName: string;
  resourceOwnerId: string;
  editorPreferredLoginName: string;
  editorAvatarUrl: string;
}

const LIMIT_RULE = {
  code: 3,
  message:
    'invalid ListMyUserChangesRequest.Query: embedded message failed validation | caused by: invalid ChangeQuery.Limit: value must be less than or equal to 1000',
  details: [
    {
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: [
        { field: 'query.limit', description: 'value must be less than or equal to 1000' },
      ],
    },
  ],
};

describe('ListMyUserChanges', () => {
  let t: TestApp;
  let grpc: AuthGrpcClient;
  let closeWeb: () => void;
  let web: Client<typeof AuthService>;

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

  /** A subject whose profile has `count` events (sequences 1..count), written over REST. */
  async function withHistory(
    count: number,
    claims: Record<string, unknown> = { [RESOURCE_OWNER_CLAIM]: 'org-history' },
  ): Promise<{ sub: string; token: string; changeDates: string[] }> {
    const { sub, token } = await t.subject('history', claims);
    const changeDates: string[] = [];
    for (let i = 1; i <= count; i++) {
      const res = await http(t.baseUrl, 'PUT', PROFILE, {
        token,
        body: { ...ADA, nickName: `nick-${i}` },
      });
      expect(res.status).toBe(200);
      changeDates.push(res.body.details.changeDate);
    }
    return { sub, token, changeDates };
  }

  const rest = async (token: string, body?: unknown, path = SEARCH) => {
    const res = await http(
      t.baseUrl,
      'POST',
      path,
      body === undefined ? { token } : { token, body },
    );
    expect(res.status).toBe(200);
    return (res.body.result ?? []) as ChangeJson[];
  };
  const sequences = (changes: { sequence: string | bigint }[]) =>
    changes.map((c) => Number(c.sequence));

  describe('over REST', () => {
    it('answers each change of the caller, newest first, with the contract fields', async () => {
      const { sub, changeDates } = await withHistory(3);
      const token = await t.issuer.mint(sub, { claims: { [RESOURCE_OWNER_CLAIM]: 'org-history' } });
      const changes = await rest(token, {});
      expect(sequences(changes)).toEqual([3, 2, 1]);
      expect(changes[2]).toEqual({
        changeDate: changeDates[0],
        eventType: { key: 'user.human.profile.added', localizedMessage: 'Profile added' },
        sequence: '1',
        editorId: sub,
        resourceOwnerId: 'org-history',
      });
      expect(changes[0]).toEqual({
        changeDate: changeDates[2],
        eventType: { key: 'user.human.profile.changed', localizedMessage: 'Profile changed' },
        sequence: '3',
        editorId: sub,
        resourceOwnerId: 'org-history',
      });
      expect(changes[0]?.changeDate).toMatch(RFC3339_UTC);
    });

    it('takes an empty body, {} and the alias path alike', async () => {
      const { token } = await withHistory(2);
      expect(sequences(await rest(token))).toEqual([2, 1]);
      expect(sequences(await rest(token, {}))).toEqual([2, 1]);
      expect(sequences(await rest(token, { query: {} }))).toEqual([2, 1]);
      expect(sequences(await rest(token, {}, ALIAS))).toEqual([2, 1]);
    });

    it('pages by sequence: below it newest first, above it oldest first', async () => {
      const { token } = await withHistory(6);
      expect(sequences(await rest(token, { query: { limit: 2 } }))).toEqual([6, 5]);
      expect(sequences(await rest(token, { query: { sequence: '5', limit: 2 } }))).toEqual([4, 3]);
      expect(sequences(await rest(token, { query: { sequence: 2 } }))).toEqual([1]);
      expect(sequences(await rest(token, { query: { sequence: '1' } }))).toEqual([]);
      expect(sequences(await rest(token, { query: { asc: true, limit: 2 } }))).toEqual([1, 2]);
      expect(
        sequences(await rest(token, { query: { asc: true, sequence: '2', limit: 3 } })),
      ).toEqual([3, 4, 5]);
      expect(sequences(await rest(token, { query: { asc: true, sequence: '6' } }))).toEqual([]);
    });

    it('takes a limit of up to 1000 and refuses more', async () => {
      const { token } = await withHistory(1);
      expect(await rest(token, { query: { limit: 0 } })).toHaveLength(1);
      expect(await rest(token, { query: { limit: 1000 } })).toHaveLength(1);
      const res = await http(t.baseUrl, 'POST', SEARCH, {
        token,
        body: { query: { limit: 1001 } },
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(LIMIT_RULE);
      const wrongType = await http(t.baseUrl, 'POST', SEARCH, {
        token,
        body: { query: { limit: 'many' } },
      });
      expect(wrongType.status).toBe(400);
      expect(wrongType.body.code).toBe(3);
    });

    it('pages through 250 events with a cursor, each exactly once, both ways', async () => {
      const { token } = await withHistory(250);
      expect(await rest(token, {})).toHaveLength(100);
      for (const asc of [false, true]) {
        const seen: number[] = [];
        let cursor = '0';
        for (let page = 0; page < 10; page++) {
          const changes = await rest(token, { query: { sequence: cursor, limit: 40, asc } });
          if (changes.length === 0) break;
          seen.push(...sequences(changes));
          cursor = changes[changes.length - 1]!.sequence;
        }
        const expected = Array.from({ length: 250 }, (_, i) => i + 1);
        expect(seen).toEqual(asc ? expected : expected.reverse());
      }
    });

    it("shows nobody else's events: no profile, another subject, another organisation", async () => {
      const { sub } = await withHistory(2);
      const stranger = await t.subject('history-stranger');
      expect(await rest(stranger.token, {})).toEqual([]);
      // The same subject with a token of another organisation.
      const elsewhere = await t.issuer.mint(sub, {
        claims: { [RESOURCE_OWNER_CLAIM]: 'org-other' },
      });
      expect(await rest(elsewhere, {})).toEqual([]);
      const res = await http(t.baseUrl, 'POST', SEARCH, { token: elsewhere, body: {} });
      expect(res.body).toEqual({});
    });

    it('needs a valid token, checked before the body', async () => {
      const none = await http(t.baseUrl, 'POST', SEARCH, { rawBody: '{not json' });
      expect(none.status).toBe(401);
      expect(none.body).toEqual(AUTH_HEADER_MISSING);
      const bad = await http(t.baseUrl, 'POST', SEARCH, { token: 'nope', rawBody: '{not json' });
      expect(bad.status).toBe(401);
      expect(bad.body).toEqual(TOKEN_INVALID);
      const { token } = await withHistory(0);
      const notJson = await http(t.baseUrl, 'POST', SEARCH, {
        token,
        rawBody: '{not json',
        headers: { 'content-type': 'application/json' },
      });
      expect(notJson.status).toBe(400);
      expect(notJson.body.code).toBe(3);
    });
  });

  describe('over gRPC', () => {
    const list = (token: string, query?: Record<string, unknown>) =>
      grpc
        .call<{ result: ChangeWire[] }>(
          'ListMyUserChanges',
          query === undefined ? {} : { query },
          token,
        )
        .then((res) => res.result);

    it('answers the same changes as REST, and pages the same', async () => {
      const { sub, token } = await withHistory(4);
      const changes = await list(token);
      expect(sequences(changes)).toEqual([4, 3, 2, 1]);
      const viaRest = await rest(token, {});
      expect(changes[3]).toEqual({
        changeDate: {
          seconds: String(Math.floor(Date.parse(viaRest[3]!.changeDate) / 1000)),
          nanos: expect.any(Number),
        },
        eventType: { key: 'user.human.profile.added', localizedMessage: 'Profile added' },
        sequence: '1',
        editorId: sub,
        editorDisplayName: '',
        resourceOwnerId: 'org-history',
        editorPreferredLoginName: '',
        editorAvatarUrl: '',
      });
      expect(sequences(await list(token, { sequence: '3', limit: 1 }))).toEqual([2]);
      expect(sequences(await list(token, { asc: true, sequence: '2' }))).toEqual([3, 4]);
      expect(await list((await t.subject('history-none')).token)).toEqual([]);
    });

    it('refuses a limit over 1000 with the same Status, and a call without a token', async () => {
      const { token } = await withHistory(0);
      const { code, message, status } = grpcStatus(await grpcError(list(token, { limit: 1001 })));
      expect(code).toBe(3);
      expect(message).toBe(LIMIT_RULE.message);
      expect(status).toEqual(LIMIT_RULE);
      const unauthenticated = grpcStatus(
        await grpcError(grpc.call('ListMyUserChanges', {}, undefined)),
      );
      expect(unauthenticated.status).toEqual(AUTH_HEADER_MISSING);
    });
  });

  describe('over gRPC-web', () => {
    it('answers the same changes and errors as the other transports', async () => {
      const { sub, token } = await withHistory(3);
      const res = await web.listMyUserChanges({ query: { limit: 2 } }, withToken(token));
      expect(res.result.map((c) => Number(c.sequence))).toEqual([3, 2]);
      const [newest] = res.result;
      expect(newest?.eventType?.key).toBe('user.human.profile.changed');
      expect(newest?.editorId).toBe(sub);
      expect(newest?.resourceOwnerId).toBe('org-history');
      const viaRest = await rest(token, {});
      // The same instant; the REST string drops a zero fraction (`…:06Z`), as the JSON mapping does.
      expect(timestampDate(newest!.changeDate!).toISOString()).toBe(
        new Date(viaRest[0]!.changeDate).toISOString(),
      );
      const asc = await web.listMyUserChanges({ query: { asc: true } }, withToken(token));
      expect(asc.result.map((c) => Number(c.sequence))).toEqual([1, 2, 3]);

      const err = await connectError(
        web.listMyUserChanges({ query: { limit: 1001 } }, withToken(token)),
      );
      const { reported, trailer } = connectStatus(err);
      expect(reported).toEqual(LIMIT_RULE);
      expect(trailer).toEqual(LIMIT_RULE);
    });
  });
});
