import { create, createRegistry, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { type PackageDefinition } from '@grpc/proto-loader';
import { InvalidArgumentError } from '../common/errors/app-error.js';
import {
  file_zitadel_auth,
  GetMyProfileRequestSchema,
  UpdateMyProfileRequestSchema,
} from '../gen/zitadel/auth_pb.js';
import { Gender } from '../gen/zitadel/user_pb.js';
import { DecodedRequestPipe } from './decoded-request.pipe.js';
import { decodeRequestsSafely, safeDeserializer, UndecodableRequest } from './request-decoding.js';
import {
  file_grpc_health_v1_health,
  file_grpc_reflection_v1_reflection,
} from './standard-services.js';

const registry = createRegistry(
  file_zitadel_auth,
  file_grpc_health_v1_health,
  file_grpc_reflection_v1_reflection,
);

/** A deserializer whose "decoding" returns the bytes it was given. */
function passThrough(input: DescMessage) {
  return safeDeserializer(input, (bytes) => ({ bytes }));
}

function bytesOf(result: object): Buffer {
  if (result instanceof UndecodableRequest) throw new Error(`undecodable: ${result.reason}`);
  return (result as { bytes: Buffer }).bytes;
}

const ADA = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  nickName: 'ada',
  displayName: 'Ada Lovelace',
  preferredLanguage: 'en',
  gender: Gender.FEMALE,
};

const valid = Buffer.from(
  toBinary(UpdateMyProfileRequestSchema, create(UpdateMyProfileRequestSchema, ADA)),
);

function field(number: number, wireType: WireType, write: (w: BinaryWriter) => void): Buffer {
  const writer = new BinaryWriter().tag(number, wireType);
  write(writer);
  return Buffer.from(writer.finish());
}

const BAD_UTF8 = new Uint8Array([0x61, 0xff, 0x62]);

describe('safeDeserializer', () => {
  const update = passThrough(UpdateMyProfileRequestSchema);

  it('hands valid bytes to the decoder unchanged (the same buffer)', () => {
    expect(bytesOf(update(valid))).toBe(valid);
    const empty = Buffer.alloc(0);
    expect(bytesOf(update(empty))).toBe(empty);
    // Unknown fields of any wire type stay; only known fields are checked for UTF-8.
    const unknown = Buffer.concat([
      valid,
      field(99, WireType.LengthDelimited, (w) => w.bytes(BAD_UTF8)),
      field(98, WireType.Bit64, (w) => w.fixed64(1n)),
      Buffer.from([0xbb, 0x06, 0x08, 0x01, 0xbc, 0x06]), // group 103 holding field 1 = 1
    ]);
    expect(bytesOf(update(unknown))).toBe(unknown);
  });

  it.each([
    ['a truncated length', [0x0a, 0xff, 0xff, 0xff]],
    ['a length beyond the end', [0x0a, 0x05, 0x61]],
    ['a truncated varint', [0x30, 0xff]],
    ['a varint of 11 bytes', [0x30, ...Array<number>(10).fill(0xff), 0x01]],
    ['a tag of field 0', [0x02, 0x00]],
    ['wire type 6', [0x0e]],
    ['a stray end-group tag', [0x0c]],
    ['an unterminated group', [0xbb, 0x06, 0x08, 0x01]],
    ['a truncated fixed32', [0x3d, 0x01]],
  ])('marks %s as not a valid encoding', (_, bytes) => {
    const result = update(Buffer.from(bytes));
    expect(result).toBeInstanceOf(UndecodableRequest);
    const error = (result as UndecodableRequest).toError();
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe(
      'invalid UpdateMyProfileRequest: the request message is not a valid protobuf encoding',
    );
    expect(error.fieldViolations).toEqual([]);
  });

  it('marks invalid UTF-8 in a string field, naming the first such field', () => {
    for (const bad of [BAD_UTF8, [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      const bytes = Buffer.concat([
        field(4, WireType.LengthDelimited, (w) => w.bytes(new Uint8Array(bad))),
        field(1, WireType.LengthDelimited, (w) => w.bytes(BAD_UTF8)),
      ]);
      const result = update(bytes) as UndecodableRequest;
      expect(result).toBeInstanceOf(UndecodableRequest);
      expect(result.invalidUtf8Field).toBe('display_name');
      const error = result.toError();
      expect(error.message).toBe(
        'invalid UpdateMyProfileRequest: field display_name is not valid UTF-8',
      );
      expect(error.fieldViolations).toEqual([
        { field: 'display_name', description: 'value must be valid UTF-8' },
      ]);
    }
  });

  it('turns a throwing decoder into a marker too', () => {
    const throwing = safeDeserializer(GetMyProfileRequestSchema, () => {
      throw new Error('boom');
    });
    const result = throwing(Buffer.alloc(0)) as UndecodableRequest;
    expect(result).toBeInstanceOf(UndecodableRequest);
    expect(result.reason).toBe('boom');
    expect(result.toError().message).toBe(
      'invalid GetMyProfileRequest: the request message is not a valid protobuf encoding',
    );
  });
});

describe('decodeRequestsSafely', () => {
  const method = (path: string) => ({
    path,
    requestDeserialize: (bytes: Buffer) => ({ decoded: bytes.length }),
  });

  it('wraps the request deserializer of every method of the services, once', () => {
    const update = method('/zitadel.auth.v1.AuthService/UpdateMyProfile');
    const get = method('/zitadel.auth.v1.AuthService/GetMyProfile');
    const definition = {
      'zitadel.auth.v1.AuthService': { UpdateMyProfile: update, GetMyProfile: get },
      'zitadel.auth.v1.GetMyProfileRequest': { format: 'Protocol Buffer 3 DescriptorProto' },
    } as unknown as PackageDefinition;
    decodeRequestsSafely(definition, registry);
    const wrapped = update.requestDeserialize;
    decodeRequestsSafely(definition, registry);
    expect(update.requestDeserialize).toBe(wrapped);
    expect(update.requestDeserialize(valid)).toEqual({ decoded: valid.length });
    expect(update.requestDeserialize(Buffer.from([0x0a, 0xff]))).toBeInstanceOf(UndecodableRequest);
    const marker = get.requestDeserialize(Buffer.from([0x0a, 0xff])) as unknown;
    expect((marker as UndecodableRequest).messageName).toBe('GetMyProfileRequest');
  });

  it('refuses a served method that has no descriptor', () => {
    const definition = {
      'zitadel.auth.v1.AuthService': { Nope: method('/zitadel.auth.v1.AuthService/Nope') },
    } as unknown as PackageDefinition;
    expect(() => decodeRequestsSafely(definition, registry)).toThrow(/no descriptor/);
  });
});

describe('DecodedRequestPipe', () => {
  const pipe = new DecodedRequestPipe();

  it('passes decoded requests through and refuses undecodable ones', () => {
    const request = { firstName: 'Ada' };
    expect(pipe.transform(request)).toBe(request);
    expect(() =>
      pipe.transform(new UndecodableRequest('UpdateMyProfileRequest', 'nick_name', 'x')),
    ).toThrow(
      new InvalidArgumentError(
        'invalid UpdateMyProfileRequest: field nick_name is not valid UTF-8',
      ),
    );
  });
});
