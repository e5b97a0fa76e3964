// Arbitraries of hostile input: bytes that are not requests, header values no client sends,
// gRPC-web bodies whose frames lie, and the bearer tokens of an attacker.
import fc from 'fast-check';
import { protobufish } from './wire.js';

/** Bytes of any kind: random, protobuf-ish, or text. */
export const anyBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
  protobufish,
  fc.string({ unit: 'binary', maxLength: 128 }).map((s) => Buffer.from(s, 'utf8')),
  fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v))),
);

/** What node:http lets a client put in a header value: HTAB, visible ASCII and space, 0x80-0xFF. */
const headerChar = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 1, arbitrary: fc.constant(0x09) },
  { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
);
export const headerValue: fc.Arbitrary<string> = fc
  .array(headerChar, { maxLength: 300 })
  .map((codes) => String.fromCharCode(...codes));

/** Header names a request may carry besides the framing ones (which the raw property covers). */
export const headerName = fc.oneof(
  fc.constantFrom(
    'x-request-id',
    'content-type',
    'accept',
    'accept-encoding',
    'accept-language',
    'user-agent',
    'origin',
    'referer',
    'cookie',
    'x-forwarded-for',
    'forwarded',
    'x-grpc-web',
    'x-user-agent',
    'grpc-timeout',
    'grpc-encoding',
    'te',
    'cache-control',
    'if-none-match',
    'range',
    'via',
    'x-http-method-override',
  ),
  fc.stringMatching(/^x-[a-z0-9-]{1,24}$/),
);

/** Whether a header value holds nothing but white space of some definition (then it may count as no header). */
export function blank(value: string): boolean {
  return /^[\s\u0085\u00a0]*$/u.test(value);
}

/** An Authorization value that must not authenticate `token`'s subject. */
export function hostileAuthorization(token: string): fc.Arbitrary<string> {
  const mutated = fc.oneof(
    // Cut short, anywhere.
    fc.integer({ min: 1, max: token.length - 1 }).map((n) => token.slice(0, n)),
    // A character inserted (the length of some part changes, or a fourth part appears).
    fc
      .tuple(fc.nat({ max: token.length }), fc.constantFrom('a', 'A', '0', '-', '_', '.', '='))
      .map(([at, c]) => token.slice(0, at) + c + token.slice(at)),
    // The parts in another order, or one left out.
    fc.constant(token.split('.').reverse().join('.')),
    fc.constant(token.split('.').slice(0, 2).join('.')),
    fc.constant(`${token.split('.').slice(0, 2).join('.')}.`),
  );
  return fc.oneof(
    headerValue,
    fc.constantFrom(
      '',
      ' ',
      'Bearer',
      'Bearer ',
      'Basic',
      `Basic ${token}`,
      token,
      `${token} Bearer`,
    ),
    headerValue.map((v) => `Bearer ${v}`),
    mutated.map((m) => `Bearer ${m}`),
    fc.constantFrom(',', ';', '"', '=').map((sep) => `Bearer ${token}${sep}`),
    fc.constant(`Bearer Bearer ${token}`),
    // The token, then white space and anything (RFC 6750 allows nothing after it).
    fc
      .tuple(
        fc.constantFrom(' ', '\t'),
        headerValue.filter((v) => !blank(v)),
      )
      .map(([space, v]) => `Bearer ${token}${space}${v}`),
  );
}

/** The ways of writing `token` that must authenticate: any letter case of the scheme, more spaces. */
export function goodAuthorization(token: string): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR'),
      fc.constantFrom(' ', '  ', '   '),
    )
    .map(([scheme, space]) => `${scheme}${space}${token}`);
}

/** One frame of a gRPC-web (or gRPC) body: a flag, a payload, and a length that may lie. */
export interface RawFrame {
  flag: number;
  payload: Buffer;
  /** What the length prefix says, against the payload's real length. */
  length: 'true' | 'longer' | 'shorter' | 'huge';
}

export const rawFrame: fc.Arbitrary<RawFrame> = fc.record({
  flag: fc.oneof(
    { weight: 6, arbitrary: fc.constant(0) },
    { weight: 3, arbitrary: fc.constantFrom(0x01, 0x80, 0x81, 0x02, 0xff) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
  ),
  payload: fc.oneof(
    protobufish,
    fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  ),
  length: fc.constantFrom('true', 'true', 'true', 'longer', 'shorter', 'huge'),
});

export function frameBytes(f: RawFrame): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(f.flag, 0);
  const length =
    f.length === 'true'
      ? f.payload.length
      : f.length === 'longer'
        ? f.payload.length + 1 + (f.payload.length % 7)
        : f.length === 'shorter'
          ? Math.max(0, f.payload.length - 1)
          : 0xffffffff;
  header.writeUInt32BE(length, 1);
  return Buffer.concat([header, f.payload]);
}

/** A whole body: no frame, one, or several, maybe followed by a piece of a frame header. */
export const rawBody = fc
  .tuple(fc.array(rawFrame, { maxLength: 3 }), fc.uint8Array({ maxLength: 4 }))
  .map(([frames, tail]) => ({
    frames,
    /** The frames' bytes and the tail, each on its own (for -text bodies in padded runs). */
    parts: [...frames.map(frameBytes), Buffer.from(tail)],
    bytes: Buffer.concat([...frames.map(frameBytes), Buffer.from(tail)]),
    /** One honest message frame and nothing else: the only body a unary call may have. */
    wellFramed:
      frames.length === 1 &&
      frames[0]!.flag === 0 &&
      frames[0]!.length === 'true' &&
      tail.length === 0,
  }));

/** How a -text body is written: base64 of it all, per-frame padded runs, or broken base64. */
export const textEncoding = fc.constantFrom('whole', 'runs', 'spaces', 'broken');

export function textBody(parts: Buffer[], how: string): string {
  const whole = Buffer.concat(parts).toString('base64');
  switch (how) {
    case 'runs':
      return parts.map((b) => b.toString('base64')).join('');
    case 'spaces':
      return whole.replace(/(.{4})/g, '$1\r\n');
    case 'broken':
      return `${whole}!*`;
    default:
      return whole;
  }
}
