// Requests whose bytes are not a valid message, over gRPC and gRPC-web: the token is checked
// first (contract section 4), then the request is INVALID_ARGUMENT with the full Status in the
// trailer; never grpc-js's own 13 "Error deserializing request".
import { create, toBinary } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { UpdateMyProfileRequestSchema } from '../../src/gen/zitadel/auth_pb.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { AuthGrpcClient, grpcError, grpcStatus } from '../support/grpc.js';
import { grpcWebFetch } from '../support/grpc-web.js';
import { AUTH_HEADER_MISSING, TOKEN_INVALID } from '../support/http.js';
import { ADA, ADA_MESSAGE, freshSubject, USER_NOT_FOUND } from '../support/profile.js';
import { decodeStatus, statusJson, type StatusJson } from '../support/status.js';

const UPDATE = '/zitadel.auth.v1.AuthService/UpdateMyProfile';
const GET = '/zitadel.auth.v1.AuthService/GetMyProfile';

/** Field 1 (first_name) announces 2^28-1 bytes that are not there. */
const MALFORMED = Buffer.from([0x0a, 0xff, 0xff, 0xff]);

/** An UpdateMyProfileRequest whose first_name is the bytes 61 ff 62 ("a", invalid, "b"). */
function invalidUtf8Request(): Buffer {
  const writer = new BinaryWriter();
  writer.tag(1, WireType.LengthDelimited).bytes(new Uint8Array([0x61, 0xff, 0x62]));
  writer.tag(2, WireType.LengthDelimited).string(ADA.lastName);
  writer.tag(3, WireType.LengthDelimited).string(ADA.nickName);
  writer.tag(4, WireType.LengthDelimited).string(ADA.displayName);
  return Buffer.from(writer.finish());
}

function notAnEncoding(messageName: string): StatusJson {
  return {
    code: 3,
    message: `invalid ${messageName}: the request message is not a valid protobuf encoding`,
    details: [],
  };
}

const INVALID_UTF8: StatusJson = {
  code: 3,
  message: 'invalid UpdateMyProfileRequest: field first_name is not valid UTF-8',
  details: [
    {
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: [{ field: 'first_name', description: 'value must be valid UTF-8' }],
    },
  ],
};

describe('gRPC requests that cannot be decoded', () => {
  let t: TestApp;
  let auth: AuthGrpcClient;
  const token = () => t.issuer.mint(freshSubject('decoding'));

  beforeAll(async () => {
    t = await startTestApp();
    auth = new AuthGrpcClient(t.grpcTarget);
  });
  afterAll(async () => {
    auth?.close();
    await t?.close();
  });

  /** A raw gRPC call: the Status from the trailer, which must agree with code and message. */
  const grpcRaw = async (path: string, body: Buffer, bearerToken?: string) => {
    const err = await grpcError(auth.raw(path, body, bearerToken));
    const { code, message, status } = grpcStatus(err);
    expect(code).toBe(status.code);
    expect(message).toBe(status.message);
    return status;
  };

  /** A raw gRPC-web call (binary or text): the Status from the trailer frame. */
  const grpcWebRaw = async (
    path: string,
    body: Buffer,
    bearerToken: string | undefined,
    contentType = 'application/grpc-web+proto',
  ) => {
    const res = await grpcWebFetch(t.baseUrl, path, body, {
      ...(bearerToken === undefined ? {} : { token: bearerToken }),
      contentType,
    });
    expect(res.httpStatus).toBe(200);
    expect(res.messages).toEqual([]);
    const status = statusJson(decodeStatus(res.status['grpc-status-details-bin'] ?? ''));
    expect(res.status['grpc-status']).toBe(String(status.code));
    expect(decodeURIComponent(res.status['grpc-message'] ?? '')).toBe(status.message);
    return status;
  };

  describe.each([
    ['gRPC', (path: string, body: Buffer, tk?: string) => grpcRaw(path, body, tk)],
    ['gRPC-web', (path: string, body: Buffer, tk?: string) => grpcWebRaw(path, body, tk)],
    [
      'gRPC-web-text',
      (path: string, body: Buffer, tk?: string) =>
        grpcWebRaw(path, body, tk, 'application/grpc-web-text'),
    ],
  ])('over %s', (_, call) => {
    it.each([UPDATE, GET])('%s: malformed bytes without a token are 16 first', async (path) => {
      expect(await call(path, MALFORMED)).toEqual(AUTH_HEADER_MISSING);
      expect(await call(path, invalidUtf8Request())).toEqual(AUTH_HEADER_MISSING);
    });

    it.each([UPDATE, GET])(
      '%s: malformed bytes with a bad token are 16 AUTH-7fs1e',
      async (path) => {
        expect(await call(path, MALFORMED, 'not.a.jwt')).toEqual(TOKEN_INVALID);
        const expired = await t.issuer.mint('alice', { expiresInSeconds: -120 });
        expect(await call(path, invalidUtf8Request(), expired)).toEqual(TOKEN_INVALID);
      },
    );

    it('UpdateMyProfile: malformed bytes with a good token are 3, and nothing is stored', async () => {
      const tk = await token();
      expect(await call(UPDATE, MALFORMED, tk)).toEqual(notAnEncoding('UpdateMyProfileRequest'));
      expect(await call(GET, Buffer.alloc(0), tk)).toEqual(USER_NOT_FOUND);
    });

    it('GetMyProfile: malformed bytes with a good token are 3', async () => {
      expect(await call(GET, MALFORMED, await token())).toEqual(
        notAnEncoding('GetMyProfileRequest'),
      );
    });

    it('UpdateMyProfile: invalid UTF-8 in a string is 3 with a BadRequest, nothing stored', async () => {
      const tk = await token();
      expect(await call(UPDATE, invalidUtf8Request(), tk)).toEqual(INVALID_UTF8);
      expect(await call(GET, Buffer.alloc(0), tk)).toEqual(USER_NOT_FOUND);
    });
  });

  it.each([
    ['a truncated varint', [0x30, 0xff]],
    ['a varint of 11 bytes', [0x30, ...Array<number>(10).fill(0xff), 0x01]],
    ['field number 0', [0x02, 0x00]],
    ['an end-group tag without a group', [0x0c]],
    ['wire type 7', [0x0f]],
    ['a truncated fixed64 of an unknown field', [0x39, 0x01, 0x02]],
  ])('answers %s with 3 (gRPC)', async (_, bytes) => {
    expect(await grpcRaw(UPDATE, Buffer.from(bytes), await token())).toEqual(
      notAnEncoding('UpdateMyProfileRequest'),
    );
  });

  it('decodes valid requests as before: unknown fields are ignored', async () => {
    const tk = await token();
    const valid = toBinary(
      UpdateMyProfileRequestSchema,
      create(UpdateMyProfileRequestSchema, ADA_MESSAGE),
    );
    // An unknown field 99 (a string holding invalid UTF-8, which only known fields are checked for).
    const unknown = new BinaryWriter()
      .tag(99, WireType.LengthDelimited)
      .bytes(new Uint8Array([0xff]))
      .finish();
    const response = await auth.raw(UPDATE, Buffer.concat([valid, unknown]), tk);
    expect(response.length).toBeGreaterThan(0);
    expect((await auth.getMyProfile(tk)).profile).toEqual(ADA);
    // Valid UTF-8 beyond ASCII is kept exactly.
    await auth.updateMyProfile({ ...ADA, firstName: 'Zoë 😀 Łukasz' }, tk);
    expect((await auth.getMyProfile(tk)).profile.firstName).toBe('Zoë 😀 Łukasz');
  });

  it('answers a known field of the wrong wire type with code 3, and stores nothing', async () => {
    const tk = await token();
    const valid = toBinary(
      UpdateMyProfileRequestSchema,
      create(UpdateMyProfileRequestSchema, ADA_MESSAGE),
    );
    // nick_name (3) as a varint: the decoders read the following bytes as its length and text,
    // so the request is either not an encoding or breaks a field rule; either way code 3.
    const mismatched = new BinaryWriter().tag(3, WireType.Varint).uint32(5).finish();
    const status = await grpcRaw(UPDATE, Buffer.concat([mismatched, valid]), tk);
    expect(status.code).toBe(3);
    expect((await grpcRaw(GET, Buffer.alloc(0), tk)).code).toBe(5);
  });
});
