// A hand-made gRPC-web exchange over fetch (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md):
// length-prefixed frames, base64 for application/grpc-web-text, trailers in a frame flagged 0x80
// (or, for a trailers-only answer, in the response headers).

/** One frame: flag 0x00 = message, 0x80 = trailers. */
export interface Frame {
  flag: number;
  payload: Buffer;
}

export function frame(payload: Uint8Array, flag = 0): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out.writeUInt8(flag, 0);
  out.writeUInt32BE(payload.length, 1);
  Buffer.from(payload).copy(out, 5);
  return out;
}

/** Splits a body into frames; throws on a truncated one. */
export function parseFrames(body: Buffer): Frame[] {
  const frames: Frame[] = [];
  let offset = 0;
  while (offset < body.length) {
    if (offset + 5 > body.length) throw new Error('truncated frame header');
    const flag = body.readUInt8(offset);
    const length = body.readUInt32BE(offset + 1);
    if (offset + 5 + length > body.length) throw new Error('truncated frame');
    frames.push({ flag, payload: body.subarray(offset + 5, offset + 5 + length) });
    offset += 5 + length;
  }
  return frames;
}

/**
 * Decodes a grpc-web-text body, which may be several independently padded base64 runs
 * ("AAAA=AAAA=" is allowed): every 4-character group decodes on its own.
 */
export function decodeBase64Body(text: string): Buffer {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 4 !== 0) throw new Error(`base64 body of length ${clean.length}`);
  if (!/^[A-Za-z0-9+/=]*$/.test(clean)) throw new Error('not base64');
  const parts: Buffer[] = [];
  for (let i = 0; i < clean.length; i += 4)
    parts.push(Buffer.from(clean.slice(i, i + 4), 'base64'));
  return Buffer.concat(parts);
}

/** `key: value\r\n` lines of a trailer frame. */
export function parseTrailer(payload: Buffer): Record<string, string> {
  const trailer: Record<string, string> = {};
  for (const line of payload.toString('utf8').split('\r\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon < 1) throw new Error(`malformed trailer line ${JSON.stringify(line)}`);
    trailer[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return trailer;
}

export interface GrpcWebResult {
  httpStatus: number;
  headers: Headers;
  /** message frames' payloads */
  messages: Buffer[];
  /**
   * The call's status fields: from the trailer frame, or from the headers of a trailers-only
   * answer (which has no body).
   */
  status: Record<string, string>;
  /** where the status came from */
  statusIn: 'trailer' | 'headers';
}

/** One unary gRPC-web call with fetch. */
export async function grpcWebFetch(
  baseUrl: string,
  path: string,
  message: Uint8Array,
  options: {
    token?: string;
    contentType?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<GrpcWebResult> {
  const contentType = options.contentType ?? 'application/grpc-web+proto';
  const text = contentType.startsWith('application/grpc-web-text');
  const headers: Record<string, string> = {
    'content-type': contentType,
    accept: contentType,
    'x-grpc-web': '1',
    ...options.headers,
  };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const requestBody = frame(message);
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers,
    body: text ? requestBody.toString('base64') : requestBody,
  });
  const raw = Buffer.from(await response.arrayBuffer());
  const body = text ? decodeBase64Body(raw.toString('latin1')) : raw;
  const frames = parseFrames(body);
  const messages = frames.filter((f) => f.flag === 0).map((f) => f.payload);
  const trailers = frames.filter((f) => (f.flag & 0x80) === 0x80);
  if (trailers.length > 1) throw new Error('more than one trailer frame');
  if (trailers.length === 1) {
    if (frames[frames.length - 1] !== trailers[0]) throw new Error('trailer frame is not last');
    return {
      httpStatus: response.status,
      headers: response.headers,
      messages,
      status: parseTrailer(trailers[0]!.payload),
      statusIn: 'trailer',
    };
  }
  if (frames.length > 0) throw new Error('a response with messages but no trailer frame');
  const status: Record<string, string> = {};
  for (const key of ['grpc-status', 'grpc-message', 'grpc-status-details-bin']) {
    const value = response.headers.get(key);
    if (value !== null) status[key] = value;
  }
  return {
    httpStatus: response.status,
    headers: response.headers,
    messages,
    status,
    statusIn: 'headers',
  };
}
