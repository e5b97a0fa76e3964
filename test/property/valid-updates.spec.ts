// Property: any request within the rules of contract section 2, written in any of the ways
// section 3 allows (camelCase or snake_case keys, gender by name or number, unknown fields, any
// key order and escaping; over protobuf any field order, repeated fields, explicit zero values,
// unknown fields), on any transport, succeeds and is stored as given: names trimmed of Unicode
// White_Space, the language in Intl's canonical form. Read back on another transport. A repeat
// of what is stored is FAILED_PRECONDITION and appends nothing; the history has no gaps.
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../support/app.js';
import { AuthGrpcClient } from '../support/grpc.js';
import { NOT_CHANGED } from '../support/profile.js';
import {
  expectedStored,
  jsonShape,
  padding,
  validJson,
  validValues,
} from './support/arbitraries.js';
import { KeepAliveClient } from './support/http-client.js';
import { intlCanonical, type Profile, sameProfile, trimmed } from './support/oracle.js';
import { PROPERTY_TIMEOUT_MS, runs } from './support/runner.js';
import { type Transport, TRANSPORTS, Wire } from './support/transports.js';
import { protoShape, validBinary } from './support/wire.js';

/** One update: the values, how they are written, where they go and where they are read. */
const step = fc.record({
  values: validValues,
  json: jsonShape,
  proto: protoShape,
  write: fc.constantFrom(...TRANSPORTS),
  /** Which of the three other transports reads it back. */
  readIndex: fc.nat({ max: 2 }),
  /**
   * Send the previous step's values again, spelt differently (this step's shape, transport and
   * padding, the language tag in other letter case): the same content, so nothing changes.
   */
  // One step in three: mostly new values, so that runs also go through several changes.
  repeat: fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.record({ before: padding, after: padding, upper: fc.boolean() }) },
  ),
});

type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

/** The values of a step: its own, or the previous step's re-spelt. */
function valuesOf(s: Step, previous: Profile | undefined): Profile {
  if (s.repeat === null || previous === undefined) return s.values;
  const { before, after, upper } = s.repeat;
  const tag = trimmed(previous.preferredLanguage);
  return {
    ...previous,
    firstName: before + previous.firstName + after,
    preferredLanguage: upper ? tag.toUpperCase() : tag.toLowerCase(),
  };
}

function readerOf(write: Transport, index: number): Transport {
  return TRANSPORTS.filter((t) => t !== write)[index]!;
}

/** The stored profile compared with what was sent: exact, but for the letter case of tags Intl refuses. */
function expectStoredAs(stored: Profile, sent: Profile): void {
  const canonical = intlCanonical(sent.preferredLanguage);
  expect({ ...stored, preferredLanguage: stored.preferredLanguage.toLowerCase() }).toEqual({
    ...sent,
    preferredLanguage: (canonical ?? sent.preferredLanguage).toLowerCase(),
  });
  if (canonical !== undefined) expect(stored.preferredLanguage).toBe(canonical);
}

describe('property: valid updates are stored as given, on every transport', () => {
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

  it(
    'succeeds with the next sequence, reads back the same elsewhere, refuses a repeat',
    async () => {
      let updates = 0;
      let repeats = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 3 }), async (steps) => {
          const { token } = await t.subject('valid');
          let stored: Profile | undefined;
          let previous: Profile | undefined;
          let sequence = 0n;
          for (const s of steps) {
            const values = valuesOf(s, previous);
            previous = values;
            const body =
              s.write === 'rest' ? validJson(values, s.json) : validBinary(values, s.proto);
            const sent = expectedStored(values);
            const outcome = await wire.update(s.write, token, body);
            if (stored !== undefined && sameProfile(stored, sent)) {
              // Section 2: an update that changes nothing fails and appends nothing.
              expect(outcome).toEqual({ ok: false, status: NOT_CHANGED });
              repeats += 1;
            } else {
              expect(outcome).toEqual({
                ok: true,
                sequence: sequence + 1n,
                resourceOwner: 'default-org',
              });
              sequence += 1n;
              updates += 1;
            }
            const read = await wire.read(readerOf(s.write, s.readIndex), token);
            if (!read.ok) throw new Error(`read back: ${JSON.stringify(read.status)}`);
            expect(read.sequence).toBe(sequence);
            expectStoredAs(
              read.profile,
              stored !== undefined && sameProfile(stored, sent) ? stored : sent,
            );
            stored = read.profile;
          }
          // One event per successful update: sequences n, n-1, …, 1, no gaps, no duplicates.
          const history = await wire.history(token);
          expect(history).toEqual(
            Array.from({ length: Number(sequence) }, (_, i) => sequence - BigInt(i)),
          );
        }),
        runs(80),
      );
      // The property must have exercised both outcomes to mean anything.
      expect(updates).toBeGreaterThan(60);
      expect(repeats).toBeGreaterThan(8);
      // REST and gRPC-web went over one keep-alive connection all along.
      expect(http.connections).toBe(1);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'stores the same values alike whichever transport writes them',
    async () => {
      // The same values written on two transports by two subjects are read back identically,
      // so no transport transforms text differently (REST JSON escapes vs protobuf UTF-8).
      await fc.assert(
        fc.asyncProperty(
          validValues,
          jsonShape,
          protoShape,
          fc.constantFrom<Transport>('grpc', 'grpc-web', 'grpc-web-text'),
          async (values, json, proto, other) => {
            const a = await t.subject('same-a');
            const b = await t.subject('same-b');
            expect((await wire.update('rest', a.token, validJson(values, json))).ok).toBe(true);
            expect((await wire.update(other, b.token, validBinary(values, proto))).ok).toBe(true);
            const [readA, readB] = [
              await wire.read('grpc', a.token),
              await wire.read('rest', b.token),
            ];
            if (!readA.ok || !readB.ok) throw new Error('read back failed');
            expect(readB.profile).toEqual(readA.profile);
          },
        ),
        runs(50),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
