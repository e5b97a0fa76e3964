// The database link failing under a running app, through a TCP proxy the test controls (contract
// section 8: every wait bounded; issue: an update answered 14 must never be applied later).
import { startProxiedTestApp, type TestApp } from '../support/app.js';
import { describeWithServer } from '../support/database.js';
import { http, UNAVAILABLE } from '../support/http.js';
import { ADA } from '../support/profile.js';
import { type TcpProxy } from '../support/tcp-proxy.js';

const PROFILE = '/auth/v1/users/me/profile';
/** The contract's bound on a whole call. */
const ANSWER_WITHIN_MS = 15_000;

describeWithServer('database faults (needs TEST_DATABASE_URL)', () => {
  let t: TestApp;
  let proxy: TcpProxy;
  let close: () => Promise<void>;

  beforeAll(async () => {
    // The service's defaults: 5 s to get a connection, 10 s of database work per call.
    ({
      app: t,
      proxy,
      close,
    } = await startProxiedTestApp({
      connectTimeoutMs: 5000,
      queryTimeoutMs: 10_000,
    }));
  });
  afterAll(async () => {
    await close?.();
  });

  const timed = async <T>(call: () => Promise<T>): Promise<{ value: T; ms: number }> => {
    const started = Date.now();
    const value = await call();
    return { value, ms: Date.now() - started };
  };
  const put = (token: string, nickName: string) =>
    http(t.baseUrl, 'PUT', PROFILE, { token, body: { ...ADA, nickName } });
  const sequenceOf = async (token: string): Promise<string> =>
    String((await http(t.baseUrl, 'GET', PROFILE, { token })).body.details.sequence);

  it('answers every call within 15 s while the link is a black hole, and applies nothing later', async () => {
    const { token } = await t.subject('blackhole');
    expect((await put(token, 'before')).status).toBe(200);
    expect(await sequenceOf(token)).toBe('1');

    proxy.blackhole();
    try {
      // Several updates of one profile (they queue behind each other), a read, readiness.
      const calls = await Promise.all([
        timed(() => put(token, 'lost-1')),
        timed(() => put(token, 'lost-2')),
        timed(() => put(token, 'lost-3')),
        timed(() => http(t.baseUrl, 'GET', PROFILE, { token })),
      ]);
      for (const { value, ms } of calls) {
        expect(value.status).toBe(503);
        expect(value.body).toEqual(UNAVAILABLE);
        expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
      }
      const ready = await timed(() => http(t.baseUrl, 'GET', '/readyz'));
      expect(ready.value.status).toBe(503);
      expect(ready.ms).toBeLessThan(2500);
    } finally {
      await proxy.restore();
    }

    // The link is back with everything that waited in it: nothing answered 14 is applied.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = await timed(() => http(t.baseUrl, 'GET', PROFILE, { token }));
    expect(after.value.status).toBe(200);
    expect(after.value.body.details.sequence).toBe('1');
    expect(after.value.body.profile.nickName).toBe('before');
    // And no connection is left stuck behind a timed-out statement: calls are prompt again.
    expect(after.ms).toBeLessThan(2000);
    const next = await timed(() => put(token, 'after'));
    expect(next.value.status).toBe(200);
    expect(next.value.body.details.sequence).toBe('2');
    expect(next.ms).toBeLessThan(2000);
  }, 60_000);

  it('works on a slow link (200 ms each way), just slower', async () => {
    const { token } = await t.subject('latency');
    proxy.latency(200);
    try {
      const created = await timed(() => put(token, 'slow'));
      expect(created.value.status).toBe(200);
      expect(created.ms).toBeGreaterThanOrEqual(400);
      expect(created.ms).toBeLessThan(ANSWER_WITHIN_MS);
      expect(await sequenceOf(token)).toBe('1');
    } finally {
      await proxy.restore();
    }
  }, 30_000);

  it('answers 503 at once when the server refuses connections, and recovers', async () => {
    const { token } = await t.subject('refused');
    expect((await put(token, 'before')).status).toBe(200);
    await proxy.cut();
    try {
      const refused = await timed(() => put(token, 'refused'));
      expect(refused.value.status).toBe(503);
      expect(refused.value.body).toEqual(UNAVAILABLE);
      expect(refused.ms).toBeLessThan(ANSWER_WITHIN_MS);
    } finally {
      await proxy.restore();
    }
    let status = 0;
    for (let i = 0; i < 20 && status !== 200; i++) {
      status = (await http(t.baseUrl, 'GET', '/readyz')).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe(200);
    expect(await sequenceOf(token)).toBe('1');
  }, 30_000);
});
