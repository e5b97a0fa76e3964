import { fromBinary, ScalarType, type DescMessage, type Registry } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { type PackageDefinition } from '@grpc/proto-loader';
import { InvalidArgumentError } from '../common/errors/app-error.js';

/**
 * What a request deserializer returns instead of throwing when the bytes are not a valid message:
 * grpc-js deserializes before any handler runs and answers a throw itself (13 "Error
 * deserializing request", no Status trailer), before the token is checked. With this marker the
 * call reaches Nest: the guard checks the token first, then DecodedRequestPipe turns the marker
 * into INVALID_ARGUMENT.
 */
export class UndecodableRequest {
  constructor(
    /** The request message's name, e.g. `UpdateMyProfileRequest`. */
    readonly messageName: string,
    /** The proto name (path) of a string field that is not valid UTF-8, if that is the reason. */
    readonly invalidUtf8Field: string | undefined,
    /** What the decoder reported, for debugging; never sent to the client. */
    readonly reason: string,
  ) {}

  toError(): InvalidArgumentError {
    const field = this.invalidUtf8Field;
    if (field !== undefined) {
      return new InvalidArgumentError(
        `invalid ${this.messageName}: field ${field} is not valid UTF-8`,
        [{ field, description: 'value must be valid UTF-8' }],
      );
    }
    return new InvalidArgumentError(
      `invalid ${this.messageName}: the request message is not a valid protobuf encoding`,
    );
  }
}

type Deserialize = (bytes: Buffer) => object;

/**
 * Makes every request deserializer of the services in `definition` (as @grpc/proto-loader built
 * it, before grpc-js and Nest make services of it) total: it checks the bytes against the
 * request message's descriptor in `registry` and returns an UndecodableRequest instead of
 * throwing. A served method without a descriptor in the registry is a build error: it throws.
 */
export function decodeRequestsSafely(definition: PackageDefinition, registry: Registry): void {
  for (const [serviceName, entry] of Object.entries(definition)) {
    if ('format' in entry) continue; // a message or enum, not a service
    const service = registry.getService(serviceName);
    for (const method of Object.values(entry)) {
      const methodName = method.path.slice(method.path.lastIndexOf('/') + 1);
      const input = service?.methods.find((m) => m.name === methodName)?.input;
      if (input === undefined) throw new Error(`no descriptor for the request of ${method.path}`);
      const decode = method.requestDeserialize as Deserialize;
      if (wrapped.has(decode)) continue;
      const safe = safeDeserializer(input, decode);
      wrapped.add(safe);
      method.requestDeserialize = safe;
    }
  }
}

const wrapped = new WeakSet<Deserialize>();

/**
 * A deserializer that never throws. @bufbuild/protobuf's `fromBinary` checks the bytes against
 * the request's descriptor first (the wire format, nesting, and proto3's rule that strings are
 * UTF-8, which protobufjs under grpc-js does not check); bytes it refuses give an
 * UndecodableRequest, and so does a throwing `decode`.
 */
export function safeDeserializer(input: DescMessage, decode: Deserialize): Deserialize {
  return (bytes: Buffer): object => {
    try {
      fromBinary(input, bytes);
    } catch (error) {
      return new UndecodableRequest(input.name, invalidUtf8Field(input, bytes), describe(error));
    }
    try {
      return decode(bytes);
    } catch (error) {
      return new UndecodableRequest(input.name, undefined, describe(error));
    }
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The first top-level string field whose bytes are not UTF-8, to name it in the answer (the
 * requests served here hold no strings in nested messages); undefined when there is none.
 */
function invalidUtf8Field(input: DescMessage, bytes: Uint8Array): string | undefined {
  const reader = new BinaryReader(bytes);
  try {
    while (reader.pos < reader.len) {
      const [number, wireType] = reader.tag();
      const field = input.fields.find((f) => f.number === number);
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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
