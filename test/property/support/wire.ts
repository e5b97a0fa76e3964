// Protobuf bytes for the gRPC and gRPC-web properties: valid UpdateMyProfileRequests written in
// the ways the wire format allows (any field order, a field repeated (the last one counts),
// zero values explicit or left out, unknown fields), and "protobuf-ish" bytes that are close to
// messages but broken in the ways decoders trip over.
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import fc from 'fast-check';
import { FIELDS, type Profile } from './oracle.js';
import { permute } from './arbitraries.js';

/** A varint of `value` (up to 2^53), as the wire format writes it. */
export function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

const tagBytes = (field: number, wireType: number) => varint(field * 8 + wireType);

/** An unknown field (number 7 and up) of any wire type, well formed. */
export const unknownProtoField: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.oneof(fc.integer({ min: 7, max: 30 }), fc.integer({ min: 7, max: 2 ** 29 - 1 })),
    fc.constantFrom(WireType.Varint, WireType.Bit64, WireType.LengthDelimited, WireType.Bit32),
    fc.uint8Array({ maxLength: 12 }),
    fc.nat(),
  )
  .map(([field, wireType, bytes, n]) => {
    const w = new BinaryWriter().tag(field, wireType);
    switch (wireType) {
      case WireType.Varint:
        w.uint32(n);
        break;
      case WireType.Bit64:
        w.fixed64(n);
        break;
      case WireType.Bit32:
        w.fixed32(n);
        break;
      default:
        w.bytes(bytes);
    }
    return w.finish();
  });

/** How a valid request is written as protobuf. */
export interface ProtoShape {
  order: number[];
  /** Fields (by index) written twice, first with a throw-away value: the last one counts. */
  repeated: boolean[];
  /** Zero values written explicitly (proto3 may leave them out). */
  explicitZero: boolean;
  unknown: Uint8Array[];
}

export const protoShape: fc.Arbitrary<ProtoShape> = fc.record({
  order: fc.array(fc.nat(), { minLength: 10, maxLength: 10 }),
  repeated: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
  explicitZero: fc.boolean(),
  unknown: fc.array(unknownProtoField, { maxLength: 3 }),
});

/** One field's bytes: tag and value. */
function fieldBytes(number: number, value: string | number): Uint8Array {
  const w = new BinaryWriter();
  if (typeof value === 'string') w.tag(number, WireType.LengthDelimited).string(value);
  else w.tag(number, WireType.Varint).int32(value);
  return w.finish();
}

/** An UpdateMyProfileRequest with `values`, written as `shape` says. */
export function validBinary(values: Profile, shape: ProtoShape): Buffer {
  const parts: Uint8Array[][] = [];
  FIELDS.forEach((field, i) => {
    const value = values[field.key];
    const chunk: Uint8Array[] = [];
    if (shape.repeated[i] === true) {
      chunk.push(
        fieldBytes(field.number, typeof value === 'string' ? 'overwritten' : value === 1 ? 2 : 1),
      );
    }
    if (value !== '' && value !== 0) chunk.push(fieldBytes(field.number, value));
    else if (shape.explicitZero || shape.repeated[i] === true) {
      // A zero value after a throw-away one must be written, or the throw-away one would count.
      chunk.push(fieldBytes(field.number, value));
    }
    parts.push(chunk);
  });
  for (const u of shape.unknown) parts.push([u]);
  // Each field's own chunks stay in order (the last one counts); the fields move around.
  return Buffer.concat(permute(parts, shape.order).flat());
}

/** Any UpdateMyProfileRequest-like values, names not checked: for bad-token properties. */
export function requestBytes(values: Partial<Profile>): Buffer {
  const chunks: Uint8Array[] = [];
  for (const field of FIELDS) {
    const value = values[field.key];
    if (value !== undefined) chunks.push(fieldBytes(field.number, value));
  }
  return Buffer.concat(chunks);
}

/**
 * Bytes that look like a message: known and unknown field numbers (0 and the largest too), every
 * wire type (6 and 7 do not exist), varints cut short or 11 bytes long, lengths that lie,
 * groups that do not close, strings that are not UTF-8, nested messages of the same kind.
 */
export const protobufish: fc.Arbitrary<Buffer> = fc.letrec((tie) => ({
  message: fc
    .array(tie('field'), { maxLength: 6 })
    .map((fields) => Buffer.concat(fields as Buffer[])),
  field: fc.oneof(
    { weight: 3, arbitrary: wellTagged(tie('message') as fc.Arbitrary<Buffer>) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)) },
  ),
})).message;

function wellTagged(nested: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> {
  const fieldNumber = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 6 }) },
    { weight: 1, arbitrary: fc.constantFrom(0, 7, 15, 16, 2 ** 29 - 1, 2 ** 29) },
  );
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)),
    fc.string({ unit: 'binary', maxLength: 12 }).map((s) => Buffer.from(s, 'utf8')),
    fc.constant(Buffer.from([0xff, 0xfe, 0x80])), // not UTF-8
    nested,
  );
  return fc
    .tuple(
      fieldNumber,
      // 0 to 5 are the wire types; 6 and 7 do not exist.
      fc.integer({ min: 0, max: 7 }).map((n) => n as WireType),
      payload,
      fc.constantFrom('honest', 'longer', 'shorter', 'huge'),
      fc.nat({ max: 2 ** 32 }),
    )
    .map(([field, wireType, bytes, lie, n]) => {
      const tag = tagBytes(field, wireType);
      switch (wireType) {
        case WireType.Varint:
          if (lie === 'longer') return Buffer.from([...tag, ...Array<number>(10).fill(0xff), 0x01]);
          if (lie === 'shorter') return Buffer.from([...tag, 0x80]);
          return Buffer.from([...tag, ...varint(n)]);
        case WireType.Bit64:
        case WireType.Bit32: {
          // A fixed-width value, or fewer bytes than its width.
          const width = (wireType === WireType.Bit64 ? 8 : 4) - (lie === 'shorter' ? 2 : 0);
          return Buffer.concat([
            Buffer.from(tag),
            Buffer.concat([bytes, Buffer.alloc(8)]).subarray(0, width),
          ]);
        }
        case WireType.LengthDelimited: {
          const length =
            lie === 'honest'
              ? bytes.length
              : lie === 'longer'
                ? bytes.length + 1 + (n % 100)
                : lie === 'shorter'
                  ? Math.max(0, bytes.length - 1 - (n % 4))
                  : 2 ** 31 + n;
          return Buffer.concat([Buffer.from([...tag, ...varint(length)]), bytes]);
        }
        default:
          // Start group (3), end group (4), and the wire types that do not exist (6, 7).
          return Buffer.concat([Buffer.from(tag), lie === 'honest' ? Buffer.alloc(0) : bytes]);
      }
    });
}
