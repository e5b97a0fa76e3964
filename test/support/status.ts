// Decoding of the google.rpc.Status that every transport answers for an error, into one plain
// shape, so that tests can compare the Status of a gRPC trailer, a gRPC-web trailer and a REST
// JSON body with the same expectation (the REST shape: `{code, message, details}` with each
// detail as `{'@type': <type URL>, ...its fields in the protobuf JSON mapping}`).
import {
  createRegistry,
  fromBinary,
  toJson,
  type DescMessage,
  type JsonObject,
} from '@bufbuild/protobuf';
import { anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import { BadRequestSchema } from '../../src/gen/google/rpc/error_details_pb.js';
import { StatusSchema, type Status } from '../../src/gen/google/rpc/status_pb.js';
import { ErrorDetailSchema } from '../../src/gen/zitadel/message_pb.js';

/** The detail types the contract allows in a Status. */
const registry = createRegistry(ErrorDetailSchema, BadRequestSchema);

export interface StatusJson {
  code: number;
  message: string;
  details: Record<string, unknown>[];
}

/** The Status in the bytes of a `grpc-status-details-bin` value (raw or base64 text). */
export function decodeStatus(bin: Uint8Array | string): Status {
  const bytes = typeof bin === 'string' ? Buffer.from(bin, 'base64') : bin;
  return fromBinary(StatusSchema, bytes);
}

/**
 * The Status as plain JSON. Every detail is unpacked with `anyUnpack`; a detail of a type the
 * contract does not know makes this throw, so a test cannot pass over it.
 */
export function statusJson(status: Status): StatusJson {
  return {
    code: status.code,
    message: status.message,
    details: status.details.map((any) => detailJson(any)),
  };
}

function detailJson(any: Any): Record<string, unknown> {
  const message = anyUnpack(any, registry);
  if (message === undefined) throw new Error(`Status detail of an unknown type: ${any.typeUrl}`);
  const schema: DescMessage | undefined = registry.getMessage(message.$typeName);
  if (schema === undefined) throw new Error(`no schema for ${message.$typeName}`);
  return { '@type': any.typeUrl, ...(toJson(schema, message) as JsonObject) };
}

/** `grpc-status-details-bin` of a metadata-like object, decoded; throws when there is none. */
export function statusFromTrailer(value: Uint8Array | string | undefined): StatusJson {
  if (value === undefined) throw new Error('no grpc-status-details-bin trailer');
  return statusJson(decodeStatus(value));
}

/** The rules of the contract, as the BadRequest descriptions and the Status message name them. */
export const NAME_RULE = 'value length must be between 1 and 200 runes, inclusive';
export const LANGUAGE_LENGTH_RULE = 'value length must be at most 10 runes';
export const GENDER_RULE = 'value must be one of the defined enum values';

/** The Status of invalid input: the message names the first violation. */
export function invalidArgument(
  goField: string,
  violations: { field: string; description: string }[],
): StatusJson {
  const first = violations[0];
  if (first === undefined) throw new Error('at least one violation');
  return {
    code: 3,
    message: `invalid UpdateMyProfileRequest.${goField}: ${first.description}`,
    details: [
      { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations },
    ],
  };
}
