import { AsyncLocalStorage } from 'node:async_hooks';
import { type Deadline } from './deadline.js';

/** The three transports of the service, as logs and metrics name them (contract section 8). */
export type Transport = 'rest' | 'grpc' | 'grpc-web';

/**
 * What is known of the call being served, for code that has no request object at hand: its
 * request id, transport and deadline (from the transport's edge, see src/observability/ and
 * Deadline), the caller once the guard knows it. One object per call, carried by
 * AsyncLocalStorage to everything the call runs and awaits; the fields that are filled in later
 * are written on that object.
 */
export interface CallContext {
  /** The call's request id (contract section 8); absent outside a call (start-up, probes). */
  readonly requestId?: string;
  readonly transport?: Transport;
  /** The authenticated subject, once the guard has verified the token. */
  subject?: string;
  /** The moment by which the call must be answered (see Deadline). */
  deadline?: Deadline;
  /**
   * The gRPC status of a gRPC-web call, set when it is answered: its HTTP status is 200 whatever
   * the outcome, the status travels in the trailer frame.
   */
  grpcStatus?: number;
}

const storage = new AsyncLocalStorage<CallContext>();

/** Runs `fn` (and everything it starts) as part of the call `context`. */
export function runInCall<T>(context: CallContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** Runs `fn` within the current call (if any) but bounded by `deadline`. */
export function withDeadline<T>(deadline: Deadline, fn: () => T): T {
  return storage.run({ ...storage.getStore(), deadline }, fn);
}

/** The call being served, if any. */
export function currentCall(): CallContext | undefined {
  return storage.getStore();
}

/** The deadline of the call being served, if any (none outside a call: startup, tests). */
export function currentDeadline(): Deadline | undefined {
  return storage.getStore()?.deadline;
}
