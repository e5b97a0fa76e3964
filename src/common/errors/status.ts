import { create, createRegistry, toBinary, toJson, type JsonObject } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import {
  BadRequestSchema,
  BadRequest_FieldViolationSchema,
} from '../../gen/google/rpc/error_details_pb.js';
import { StatusSchema, type Status } from '../../gen/google/rpc/status_pb.js';
import { ErrorDetailSchema } from '../../gen/zitadel/message_pb.js';
import { type AppError } from './app-error.js';

/** The Any types a Status may carry; JSON encoding of an Any needs its type in a registry. */
const detailRegistry = createRegistry(ErrorDetailSchema, BadRequestSchema);

/**
 * The google.rpc.Status that every transport answers for an error: `message` is
 * `<message> (<id>)` when there is an id, `details` holds a zitadel.v1.ErrorDetail for the id and
 * a google.rpc.BadRequest with one field violation per broken rule.
 */
export function statusOf(error: AppError): Status {
  const details = [];
  if (error.id !== undefined) {
    details.push(
      anyPack(
        ErrorDetailSchema,
        create(ErrorDetailSchema, { id: error.id, message: error.message }),
      ),
    );
  }
  if (error.fieldViolations.length > 0) {
    const fieldViolations = error.fieldViolations.map((v) =>
      create(BadRequest_FieldViolationSchema, v),
    );
    details.push(anyPack(BadRequestSchema, create(BadRequestSchema, { fieldViolations })));
  }
  const message = error.id === undefined ? error.message : `${error.message} (${error.id})`;
  return create(StatusSchema, { code: error.code, message, details });
}

/** The Status in the protobuf JSON mapping: `{code, message, details}`, details always present. */
export function statusToJson(status: Status): JsonObject {
  return toJson(StatusSchema, status, {
    registry: detailRegistry,
    alwaysEmitImplicit: true,
  }) as JsonObject;
}

/** The Status as the bytes of the `grpc-status-details-bin` trailer. */
export function statusToBinary(status: Status): Uint8Array {
  return toBinary(StatusSchema, status);
}
