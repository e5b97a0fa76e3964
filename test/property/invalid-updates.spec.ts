// Property: a request that breaks rules of contract section 2 (any subset of the fields, each
// in any of the ways it can be broken), or that is not a request at all (section 3: not JSON,
// not an object, a field of the wrong JSON type, a field set twice; over protobuf a string that
// is not UTF-8), is INVALID_ARGUMENT with exactly the Status of section 5, on every transport,
// and changes nothing: the stored profile, its sequence and its history stay as they were.
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../support/app.js';
import { AuthGrpcClient } from '../support/grpc.js';
import { USER_NOT_FOUND } from '../support/profile.js';
import { invalidArgument, type StatusJson } from '../support/status.js';
import { jsonKey, jsonShape, jsonString, validJson, validValues } from './support/arbitraries.js';
import { KeepAliveClient } from './support/http-client.js';
import {
  breaks,
  type Breaks,
  goNameOf,
  jsonBreaks,
  jsonViolationsOf,
  violationsOf,
} from './support/invalid.js';
import { FIELDS, NAME_FIELDS, type Profile } from './support/oracle.js';
import { PROPERTY_TIMEOUT_MS, runs } from './support/runner.js';
import { type Read, type Transport, TRANSPORTS, Wire } from './support/transports.js';
import { protoShape, validBinary } from './support/wire.js';

const MESSAGE = 'UpdateMyProfileRequest';
const NOT_JSON: StatusJson = {
  code: 3,
  message: `invalid ${MESSAGE}: request body is not valid JSON`,
  details: [],
};
const NOT_AN_OBJECT: StatusJson = {
  code: 3,
  message: `invalid ${MESSAGE}: request body must be a JSON object`,
  details: [],
};

/** The profile a subject has before the invalid request (sequence 1). */
const ORIGINAL = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  nickName: 'ada',
  displayName: 'Ada L.',
  preferredLanguage: 'en-GB',
  gender: 'GENDER_FEMALE',
};

type Subject =
  { token: string; hasProfile: false } | { token: string; hasProfile: true; snapshot: Read };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** What JSON.parse makes of a body, as the service reads it (UTF-8, a BOM ignored). */
function classify(body: Buffer): 'not JSON' | 'not an object' | 'object' {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(body));
  } catch {
    return 'not JSON';
  }
  return typeof json === 'object' && json !== null && !Array.isArray(json)
    ? 'object'
    : 'not an object';
}

/** Valid values with the broken ones put in. */
function withBreaks(values: Profile, b: Breaks): Profile {
  const out = { ...values };
  for (const field of NAME_FIELDS) {
    const broken = b.names[field];
    if (broken !== undefined) out[field] = broken.value;
  }
  if (b.language !== undefined) out.preferredLanguage = b.language.value;
  if (b.gender !== undefined) out.gender = b.gender.value;
  return out;
}

/** The Status of a request with these violations (the message names the first). */
function statusOf(violations: { field: string; description: string }[]): StatusJson {
  return invalidArgument(goNameOf(violations[0]!.field), violations);
}

/** Bytes that are not UTF-8: a stray continuation byte, overlong, a surrogate, past U+10FFFF, cut. */
const notUtf8 = fc.constantFrom(
  [0xff],
  [0x80],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
);

describe('property: invalid updates are INVALID_ARGUMENT and change nothing', () => {
  let t: TestApp;
  let http: KeepAliveClient;
  let grpc: AuthGrpcClient;
  let wire: Wire;

  beforeAll(async () => {
    t = await startTestApp();
    http = new KeepAliveClient(t.baseUrl);
    grpc = new AuthGrpcClient(t.grpcTarget);
    wire = new Wire(http, grpc);
  });
  afterAll(async () => {
    http?.close();
    grpc?.close();
    await t?.close();
  });

  /**
   * A subject of its own for each run (so that a request wrongly accepted cannot spoil the
   * runs after it, or the shrinking), with a profile (sequence 1) or without one.
   */
  async function subjectFor(hasProfile: boolean): Promise<Subject> {
    const { token } = await t.subject('invalid');
    if (!hasProfile) return { token, hasProfile };
    const created = await wire.update('rest', token, JSON.stringify(ORIGINAL));
    if (!created.ok) throw new Error(`setup: ${JSON.stringify(created.status)}`);
    return { token, hasProfile, snapshot: await wire.read('rest', token) };
  }

  /** Nothing changed for the subject: the same read on `transport`, the same history. */
  async function expectUnchanged(subject: Subject, transport: Transport): Promise<void> {
    const read = await wire.read(transport, subject.token);
    if (subject.hasProfile) {
      expect(read).toEqual(subject.snapshot);
      expect(await wire.history(subject.token)).toEqual([1n]);
    } else {
      expect(read).toEqual({ ok: false, status: USER_NOT_FOUND });
      expect(await wire.history(subject.token)).toEqual([]);
    }
  }

  const target = fc.record({
    hasProfile: fc.boolean(),
    /** Where the check reads back. */
    reader: fc.constantFrom(...TRANSPORTS),
  });

  it(
    'any set of broken rules: one violation per rule, on every transport',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          validValues,
          breaks,
          jsonShape,
          protoShape,
          fc.constantFrom(...TRANSPORTS),
          target,
          async (values, b, json, proto, transport, { hasProfile, reader }) => {
            const sent = withBreaks(values, b);
            const missing = Object.fromEntries(
              NAME_FIELDS.filter((f) => b.names[f]?.missing === true).map((f) => [f, null]),
            );
            const body =
              transport === 'rest' ? validJson(sent, json, missing) : validBinary(sent, proto);
            const subject = await subjectFor(hasProfile);
            expect(await wire.update(transport, subject.token, body)).toEqual({
              ok: false,
              status: statusOf(violationsOf(b)),
            });
            await expectUnchanged(subject, reader);
          },
        ),
        runs(80),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'REST: fields of the wrong JSON type or set twice, one violation each',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          validValues,
          jsonBreaks,
          jsonShape,
          target,
          async (values, list, json, where) => {
            const overrides = Object.fromEntries(
              list.map((b) => {
                if (b.kind === 'wrong type') return [b.field, b.text];
                const own =
                  b.field === 'gender'
                    ? String(values.gender)
                    : jsonString(values[b.field], json.asciiOnly);
                // The field under both of its names (lowerCamelCase and the proto name), or
                // under the same name twice.
                const second = b.kind === 'set twice' ? 'snake' : 'camel';
                return [
                  b.field,
                  [
                    [JSON.stringify(jsonKey(b.field, 'camel')), own],
                    [JSON.stringify(jsonKey(b.field, second)), b.text],
                  ],
                ];
              }),
            );
            const body = validJson(values, json, overrides);
            const subject = await subjectFor(where.hasProfile);
            expect(await wire.update('rest', subject.token, body)).toEqual({
              ok: false,
              status: statusOf(jsonViolationsOf(list)),
            });
            await expectUnchanged(subject, where.reader);
          },
        ),
        runs(80),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'REST: a body that is not JSON, or not a JSON object',
    async () => {
      const body = fc.oneof(
        // Any text, any bytes (most are not UTF-8).
        fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }).map((s) => Buffer.from(s)),
        fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b)),
        // A valid body cut short.
        fc
          .tuple(validValues, jsonShape, fc.nat())
          .map(([v, s, n]) => {
            const json = Buffer.from(validJson(v, s));
            return json.subarray(0, n % json.length);
          })
          .filter((b) => b.length > 0),
        // A valid body with bytes that are not UTF-8 inside a string.
        fc.tuple(validValues, jsonShape, notUtf8).map(([v, s, bad]) => {
          const json = Buffer.from(validJson({ ...v, firstName: 'Ada' }, s));
          const at = json.indexOf('"Ada"') + 2;
          return Buffer.concat([json.subarray(0, at), Buffer.from(bad), json.subarray(at)]);
        }),
        // JSON that is no object.
        fc
          .jsonValue({ maxDepth: 2 })
          .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
          .map((v) => Buffer.from(JSON.stringify(v))),
      );
      let notJson = 0;
      let notObject = 0;
      await fc.assert(
        fc.asyncProperty(body, target, async (bytes, where) => {
          const kind = classify(bytes);
          fc.pre(kind !== 'object');
          if (kind === 'not JSON') notJson += 1;
          else notObject += 1;
          const subject = await subjectFor(where.hasProfile);
          expect(await wire.update('rest', subject.token, bytes)).toEqual({
            ok: false,
            status: kind === 'not JSON' ? NOT_JSON : NOT_AN_OBJECT,
          });
          await expectUnchanged(subject, where.reader);
        }),
        runs(80),
      );
      expect(notJson).toBeGreaterThan(15);
      expect(notObject).toBeGreaterThan(5);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'gRPC and gRPC-web: string fields that are not UTF-8 name the first of them',
    async () => {
      const stringFields = FIELDS.filter((f) => f.key !== 'gender');
      await fc.assert(
        fc.asyncProperty(
          validValues,
          fc.array(fc.tuple(fc.boolean(), notUtf8, fc.nat()), { minLength: 5, maxLength: 5 }),
          fc.constantFrom<Transport>('grpc', 'grpc-web', 'grpc-web-text'),
          target,
          async (values, corruption, transport, where) => {
            fc.pre(corruption.some(([bad]) => bad));
            const writer = new BinaryWriter();
            stringFields.forEach((f, i) => {
              const [bad, bytes, at] = corruption[i]!;
              // Cut between code points, so that the bad bytes cannot complete a character.
              const points = [...String(values[f.key])];
              const cut = at % (points.length + 1);
              const head = Buffer.from(points.slice(0, cut).join(''));
              const tail = Buffer.from(points.slice(cut).join(''));
              writer
                .tag(f.number, WireType.LengthDelimited)
                .bytes(
                  bad
                    ? Buffer.concat([head, Buffer.from(bytes), tail])
                    : Buffer.concat([head, tail]),
                );
            });
            writer.tag(6, WireType.Varint).int32(values.gender);
            const first = stringFields[corruption.findIndex(([bad]) => bad)]!.proto;
            const subject = await subjectFor(where.hasProfile);
            expect(
              await wire.update(transport, subject.token, Buffer.from(writer.finish())),
            ).toEqual({
              ok: false,
              status: {
                code: 3,
                message: `invalid ${MESSAGE}: field ${first} is not valid UTF-8`,
                details: [
                  {
                    '@type': 'type.googleapis.com/google.rpc.BadRequest',
                    fieldViolations: [{ field: first, description: 'value must be valid UTF-8' }],
                  },
                ],
              },
            });
            await expectUnchanged(subject, where.reader);
          },
        ),
        runs(60),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
