import { randomUUID } from 'node:crypto';

/** The header (REST, gRPC-web) and metadata key (gRPC) of a call's request id. */
export const REQUEST_ID = 'x-request-id';

/**
 * 1 to 128 printable ASCII characters (0x20 to 0x7E, as gRPC defines a printable metadata value),
 * neither starting nor ending with a space: HTTP strips spaces around a header value and gRPC
 * does not, so an id with them would not be the same id on every transport.
 */
const VALID = /^[\x21-\x7e](?:[\x20-\x7e]{0,126}[\x21-\x7e])?$/;

/**
 * The request id of a call (contract section 8): the client's `x-request-id` when it is valid,
 * else a new one (a random UUID). Several values (a header given twice, repeated metadata) are
 * taken joined with ", ", as Node joins a repeated header.
 */
export function acceptRequestId(given: unknown): string {
  const value = Array.isArray(given)
    ? given.every((v) => typeof v === 'string')
      ? given.join(', ')
      : undefined
    : given;
  return typeof value === 'string' && VALID.test(value) ? value : randomUUID();
}
