// GET /metrics (contract section 8), scraped from the running app and read as the Prometheus text
// format: each call on each transport counted once under its transport, operation and code, its
// latency in the histogram, the database pool's use, the default process metrics; open without a
// token and never rate limited; no label made of a raw path.
import { setTimeout as sleep } from 'node:timers/promises';
import { DURATION_BUCKETS } from '../../src/observability/metrics.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { AuthGrpcClient, grpcError } from '../support/grpc.js';
import { grpcWebFetch } from '../support/grpc-web.js';
import { http } from '../support/http.js';
import { type Exposition, parseExposition, valueOf } from '../support/prometheus.js';
import { ADA } from '../support/profile.js';

const PROFILE = '/auth/v1/users/me/profile';
const SERVICE = 'zitadel.auth.v1.AuthService';
const CALLS = 'profile_service_calls_total';
const DURATION = 'profile_service_call_duration_seconds';

interface Series {
  transport: string;
  operation: string;
  code: string;
}

describe('GET /metrics', () => {
  let t: TestApp;
  let grpc: AuthGrpcClient;

  beforeAll(async () => {
    // A low limit: /metrics must never be refused by it.
    t = await startTestApp({ settings: { rateLimitPerMinute: 5 } });
    grpc = new AuthGrpcClient(t.grpcTarget);
  });
  afterAll(async () => {
    grpc.close();
    await t.close();
  });

  async function scrape(): Promise<Exposition> {
    const res = await http(t.baseUrl, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parseExposition(res.text);
  }

  /**
   * Scrapes until every series has grown by its expected count over `before` (a call is counted
   * when the server is done with it, which may be just after the client has its answer); then
   * checks that none grew by more. Fails after 5 s.
   */
  async function expectCounted(
    before: Exposition,
    expected: [Series, number][],
  ): Promise<Exposition> {
    let after = before;
    const grown = (exposition: Exposition) =>
      expected.map(
        ([series]) =>
          valueOf(exposition, CALLS, { ...series }) - valueOf(before, CALLS, { ...series }),
      );
    for (let i = 0; i < 100; i++) {
      after = await scrape();
      if (grown(after).every((delta, k) => delta >= expected[k]![1])) break;
      await sleep(50);
    }
    expect(grown(after)).toEqual(expected.map(([, count]) => count));
    return after;
  }

  it('is served without a token, in the text format, and never rate limited', async () => {
    for (let i = 0; i < 8; i++) await scrape();
    const exposition = await scrape();
    expect(
      valueOf(exposition, CALLS, { transport: 'rest', operation: 'GET /metrics', code: '429' }),
    ).toBe(0);
    expect(
      valueOf(exposition, CALLS, { transport: 'rest', operation: 'GET /metrics', code: '200' }),
    ).toBeGreaterThanOrEqual(8);
  });

  it('counts each call of each transport once, by transport, operation and code', async () => {
    const { token } = await t.subject('metrics');
    const other = await t.subject('metrics-web');
    const before = await scrape();

    expect((await http(t.baseUrl, 'PUT', PROFILE, { token, body: ADA })).status).toBe(200);
    expect((await http(t.baseUrl, 'GET', PROFILE, { token })).status).toBe(200);
    expect((await http(t.baseUrl, 'GET', PROFILE)).status).toBe(401);
    expect((await http(t.baseUrl, 'GET', '/no/such/thing')).status).toBe(404);

    await grpc.getMyProfile(token);
    expect((await grpcError(grpc.getMyProfile())).code).toBe(16);
    expect((await grpcError(grpc.raw(`/${SERVICE}/Nope`, Buffer.alloc(0), token))).code).toBe(12);

    const web = (path: string, tokenOf?: string) =>
      grpcWebFetch(
        t.baseUrl,
        path,
        new Uint8Array(),
        tokenOf === undefined ? {} : { token: tokenOf },
      );
    expect((await web(`/${SERVICE}/GetMyProfile`, other.token)).status['grpc-status']).toBe('5');
    expect((await web(`/${SERVICE}/GetMyProfile`)).status['grpc-status']).toBe('16');

    const after = await expectCounted(before, [
      [{ transport: 'rest', operation: `PUT ${PROFILE}`, code: '200' }, 1],
      [{ transport: 'rest', operation: `GET ${PROFILE}`, code: '200' }, 1],
      [{ transport: 'rest', operation: `GET ${PROFILE}`, code: '401' }, 1],
      [{ transport: 'rest', operation: 'unmatched', code: '404' }, 1],
      [{ transport: 'grpc', operation: `${SERVICE}/GetMyProfile`, code: '0' }, 1],
      [{ transport: 'grpc', operation: `${SERVICE}/GetMyProfile`, code: '16' }, 1],
      [{ transport: 'grpc', operation: 'unmatched', code: '12' }, 1],
      [{ transport: 'grpc-web', operation: `${SERVICE}/GetMyProfile`, code: '5' }, 1],
      [{ transport: 'grpc-web', operation: `${SERVICE}/GetMyProfile`, code: '16' }, 1],
      // gRPC-web is not counted as gRPC, nor REST as anything else.
      [{ transport: 'grpc', operation: `${SERVICE}/GetMyProfile`, code: '5' }, 0],
      [{ transport: 'rest', operation: 'unmatched', code: '200' }, 0],
    ]);
    expect(after.types.get(CALLS)).toBe('counter');
  });

  it('has a latency histogram of every counted series, in seconds, with its buckets', async () => {
    const { token } = await t.subject('metrics-histogram');
    await http(t.baseUrl, 'GET', PROFILE, { token });
    const exposition = await scrape();
    expect(exposition.types.get(DURATION)).toBe('histogram');
    const series = { transport: 'rest', operation: `GET ${PROFILE}`, code: '404' };
    const buckets = exposition.samples.filter(
      (s) =>
        s.name === `${DURATION}_bucket` &&
        Object.entries(series).every(([k, v]) => s.labels[k] === v),
    );
    expect(buckets.map((b) => b.labels.le)).toEqual([...DURATION_BUCKETS.map(String), '+Inf']);
    const counts = buckets.map((b) => b.value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    const count = valueOf(exposition, `${DURATION}_count`, series);
    expect(counts.at(-1)).toBe(count);
    expect(count).toBe(valueOf(exposition, CALLS, series));
    expect(count).toBeGreaterThanOrEqual(1);
    expect(valueOf(exposition, `${DURATION}_sum`, series)).toBeGreaterThan(0);
    // Every counted series has its histogram, and the two agree.
    for (const sample of exposition.samples.filter((s) => s.name === CALLS)) {
      expect(valueOf(exposition, `${DURATION}_count`, sample.labels)).toBe(sample.value);
    }
  });

  it('keeps labels bounded: unknown paths and methods are one series, never their path', async () => {
    const before = await scrape();
    for (let i = 0; i < 5; i++) {
      expect((await http(t.baseUrl, 'GET', `/random-${i}-${Date.now()}`)).status).toBe(404);
      await grpcError(grpc.raw(`/${SERVICE}/Random${i}`, Buffer.alloc(0)));
    }
    const after = await expectCounted(before, [
      [{ transport: 'rest', operation: 'unmatched', code: '404' }, 5],
      [{ transport: 'grpc', operation: 'unmatched', code: '12' }, 5],
    ]);
    const operations = new Set(
      after.samples.filter((s) => s.name === CALLS).map((s) => s.labels.operation),
    );
    expect([...operations].filter((o) => o?.includes('random') || o?.includes('Random'))).toEqual(
      [],
    );
  });

  it("shows the database pool's use", async () => {
    const exposition = await scrape();
    expect(exposition.types.get('profile_service_db_pool_connections')).toBe('gauge');
    expect(exposition.types.get('profile_service_db_pool_waiting')).toBe('gauge');
    for (const state of ['in_use', 'idle']) {
      const samples = exposition.samples.filter(
        (s) => s.name === 'profile_service_db_pool_connections' && s.labels.state === state,
      );
      expect(samples).toHaveLength(1);
      expect(Number.isInteger(samples[0]!.value) && samples[0]!.value >= 0).toBe(true);
    }
    const waiting = exposition.samples.filter((s) => s.name === 'profile_service_db_pool_waiting');
    expect(waiting.map((s) => s.value)).toEqual([0]);
  });

  it('has the default process metrics: CPU, memory, event-loop lag', async () => {
    const exposition = await scrape();
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_cpu_system_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      const values = exposition.samples.filter((s) => s.name === name).map((s) => s.value);
      expect(`${name}: ${values.length}`).toBe(`${name}: 1`);
      expect(values[0]).toBeGreaterThanOrEqual(0);
    }
    expect(valueOf(exposition, 'process_resident_memory_bytes')).toBeGreaterThan(1024 * 1024);
  });
});
