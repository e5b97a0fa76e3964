import { Metadata, type ServerInterceptor, ServerInterceptingCall, status } from '@grpc/grpc-js';
import { AppError } from '../common/errors/app-error.js';
import { type GrpcCode } from '../common/errors/grpc-code.js';
import { statusOf, statusToBinary } from '../common/errors/status.js';

const DETAILS = 'grpc-status-details-bin';

/** A status grpc-js made itself, as an AppError, for its google.rpc.Status. */
class TransportError extends AppError {
  constructor(
    readonly code: GrpcCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Every error status of the gRPC port carries the google.rpc.Status in `grpc-status-details-bin`
 * (contract section 5): the handlers' errors have it from the exception filter; this adds it to
 * those that grpc-js answers itself once a call has reached a method (no request message, a second
 * one for a unary method, a deadline exceeded, …). A grpc-js server interceptor, the public way to
 * see a call's status before it is sent.
 */
export const statusDetailsInterceptor: ServerInterceptor = (_method, call) =>
  new ServerInterceptingCall(call, {
    sendStatus: (outgoing, next) => {
      if (outgoing.code === status.OK) {
        next(outgoing);
        return;
      }
      const metadata = outgoing.metadata ?? new Metadata();
      if (metadata.get(DETAILS).length === 0) {
        const details = statusOf(new TransportError(outgoing.code as number, outgoing.details));
        metadata.set(DETAILS, Buffer.from(statusToBinary(details)));
      }
      next({ ...outgoing, metadata });
    },
  });
