import { type DescMessage, fromBinary, type MessageShape, ScalarType } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { type AppError, InvalidArgumentError } from '../errors/app-error.js';

/**
 * The bytes of a gRPC request, not yet decoded. The gRPC transport's request deserializer
 * returns this instead of a message: grpc-js deserializes before any handler runs, and would
 * answer bytes it cannot decode itself (13 "Error deserializing request", no Status trailer)
 * before the token is checked. Kept as bytes, the call reaches Nest: the guard checks the token
 * first, then ProtoBodyInterceptor decodes the request (INVALID_ARGUMENT if it cannot).
 */
export class EncodedRequest<Desc extends DescMessage = DescMessage> {
  private problem: AppError | undefined;

  constructor(
    readonly schema: Desc,
    readonly bytes: Uint8Array,
  ) {}

  /**
   * A request whose bytes cannot be had (too large, not framed right), so that the error is
   * answered where a decoding error would be: after the guard.
   */
  static refused<Desc extends DescMessage>(schema: Desc, problem: AppError): EncodedRequest<Desc> {
    const request = new EncodedRequest(schema, new Uint8Array());
    request.problem = problem;
    return request;
  }

  /**
   * The message, by @bufbuild/protobuf's `fromBinary`: it checks the wire format, nesting, and
   * proto3's rule that strings are UTF-8. Bytes it refuses are INVALID_ARGUMENT.
   */
  decode(): MessageShape<Desc> {
    if (this.problem !== undefined) throw this.problem;
    try {
      return fromBinary(this.schema, this.bytes);
    } catch {
      throw undecodable(this.schema, invalidUtf8Field(this.schema, this.bytes));
    }
  }
}

function undecodable(schema: DescMessage, utf8Field: string | undefined): InvalidArgumentError {
  if (utf8Field !== undefined) {
    return new InvalidArgumentError(
      `invalid ${schema.name}: field ${utf8Field} is not valid UTF-8`,
      [{ field: utf8Field, description: 'value must be valid UTF-8' }],
    );
  }
  return new InvalidArgumentError(
    `invalid ${schema.name}: the request message is not a valid protobuf encoding`,
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The first top-level string field whose bytes are not UTF-8, to name it in the answer (the
 * requests served here hold no strings in nested messages); undefined when there is none.
 */
function invalidUtf8Field(schema: DescMessage, bytes: Uint8Array): string | undefined {
  const reader = new BinaryReader(bytes);
  try {
    while (reader.pos < reader.len) {
      const [number, wireType] = reader.tag();
      const field = schema.fields.find((f) => f.number === number);
      const isString =
        wireType === WireType.LengthDelimited &&
        field?.fieldKind === 'scalar' &&
        field.scalar === ScalarType.STRING;
      if (!isString) {
        reader.skip(wireType, number);
      } else if (!isUtf8(reader.bytes())) {
        return field.name;
      }
    }
  } catch {
    // Broken bytes after the fields read so far: no field to name.
  }
  return undefined;
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}
