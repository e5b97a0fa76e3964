import { create, toBinary } from '@bufbuild/protobuf';
import { ADA_MESSAGE } from '../../../test/support/profile.js';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { InvalidArgumentError } from '../errors/app-error.js';
import {
  GetMyProfileRequestSchema,
  UpdateMyProfileRequestSchema,
} from '../../gen/zitadel/auth_pb.js';
import { EncodedRequest } from './encoded-request.js';

const ADA = ADA_MESSAGE;

const valid = toBinary(UpdateMyProfileRequestSchema, create(UpdateMyProfileRequestSchema, ADA));

function field(number: number, wireType: WireType, write: (w: BinaryWriter) => void): Buffer {
  const writer = new BinaryWriter().tag(number, wireType);
  write(writer);
  return Buffer.from(writer.finish());
}

const BAD_UTF8 = new Uint8Array([0x61, 0xff, 0x62]);

function errorOf(request: EncodedRequest): InvalidArgumentError {
  try {
    request.decode();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('expected the request not to decode');
}

describe('EncodedRequest', () => {
  it('decodes valid bytes into the message, unknown fields of any wire type kept aside', () => {
    expect(new EncodedRequest(UpdateMyProfileRequestSchema, valid).decode()).toMatchObject(ADA);
    expect(new EncodedRequest(GetMyProfileRequestSchema, new Uint8Array()).decode()).toEqual(
      create(GetMyProfileRequestSchema),
    );
    const unknown = Buffer.concat([
      valid,
      field(99, WireType.LengthDelimited, (w) => w.bytes(BAD_UTF8)),
      field(98, WireType.Bit64, (w) => w.fixed64(1n)),
      Buffer.from([0xbb, 0x06, 0x08, 0x01, 0xbc, 0x06]), // group 103 holding field 1 = 1
    ]);
    expect(new EncodedRequest(UpdateMyProfileRequestSchema, unknown).decode()).toMatchObject(ADA);
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
  ])('refuses %s as not a valid encoding', (_, bytes) => {
    const error = errorOf(new EncodedRequest(UpdateMyProfileRequestSchema, Buffer.from(bytes)));
    expect(error.message).toBe(
      'invalid UpdateMyProfileRequest: the request message is not a valid protobuf encoding',
    );
    expect(error.fieldViolations).toEqual([]);
  });

  it('refuses invalid UTF-8 in a string field, naming the first such field', () => {
    for (const bad of [BAD_UTF8, [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      const bytes = Buffer.concat([
        field(4, WireType.LengthDelimited, (w) => w.bytes(new Uint8Array(bad))),
        field(1, WireType.LengthDelimited, (w) => w.bytes(BAD_UTF8)),
      ]);
      const error = errorOf(new EncodedRequest(UpdateMyProfileRequestSchema, bytes));
      expect(error.message).toBe(
        'invalid UpdateMyProfileRequest: field display_name is not valid UTF-8',
      );
      expect(error.fieldViolations).toEqual([
        { field: 'display_name', description: 'value must be valid UTF-8' },
      ]);
    }
  });

  it('names the message it could not decode', () => {
    const error = errorOf(new EncodedRequest(GetMyProfileRequestSchema, Buffer.from([0x0a, 0xff])));
    expect(error.message).toBe(
      'invalid GetMyProfileRequest: the request message is not a valid protobuf encoding',
    );
  });
});
