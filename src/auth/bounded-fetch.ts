// fetch with a bound on time and on the size of the answer, for the two outside services the auth
// layer calls (the issuer's JWKS and the introspection endpoint). fetch alone has neither: it waits
// as long as the server takes and `response.json()` buffers whatever the server sends, so a
// hostile or broken endpoint could hang requests or fill the memory (a 200 MB JWKS once took the
// RSS to 1.2 GB). Neither jose nor oauth4webapi bounds the size; both take a fetch of our own.

export interface FetchBounds {
  /** Bound on the whole exchange: connecting, the headers and every byte of the body. */
  timeoutMs: number;
  /** An answer longer than this is not used; reading stops at the limit. */
  maxBytes: number;
}

/** The answer broke a bound or could not be had; `message` names which (never a body). */
export class BoundedFetchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BoundedFetchError';
  }
}

/**
 * Like fetch, but the answer's body is read to the end within the bounds and handed back in a
 * new Response, so that whoever parses it (jose, oauth4webapi) reads memory, not the network.
 * Redirects are not followed: an endpoint that moved is a configuration error to see, not to
 * follow to wherever it points.
 */
export async function boundedFetch(
  url: string | URL,
  init: RequestInit,
  bounds: FetchBounds,
): Promise<Response> {
  const timeout = AbortSignal.timeout(bounds.timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  const where = new URL(url).origin;
  try {
    const response = await fetch(url, { ...init, redirect: 'manual', signal });
    const body = await readAtMost(response, bounds.maxBytes, where);
    return new Response(body.byteLength === 0 ? null : body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  } catch (error) {
    if (error instanceof BoundedFetchError) throw error;
    if (timeout.aborted) {
      throw new BoundedFetchError(`${where} did not answer within ${bounds.timeoutMs} ms`, {
        cause: error,
      });
    }
    // fetch says only "fetch failed"; what failed (ECONNREFUSED…) is its cause.
    throw new BoundedFetchError(`${where} cannot be reached: ${messageOf(causeOf(error))}`, {
      cause: error,
    });
  }
}

/** The body, or a BoundedFetchError as soon as it is known to be longer than maxBytes. */
async function readAtMost(
  response: Response,
  maxBytes: number,
  where: string,
): Promise<Uint8Array> {
  const tooLong = () => new BoundedFetchError(`the answer of ${where} is over ${maxBytes} bytes`);
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLong();
  }
  if (response.body === null) return new Uint8Array(0);
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > maxBytes) {
      // Closes the connection: the rest is never read.
      await reader.cancel();
      throw tooLong();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, length);
}

// Duck-typed, not `instanceof Error`: fetch's errors may come from another realm (a VM context).
function causeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'cause' in error && error.cause
    ? error.cause
    : error;
}

function messageOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'message' in error
    ? String(error.message)
    : String(error);
}
