import { DataSource } from 'typeorm';
import { startProxiedTestApp, startTestApp, type TestApp } from '../support/app.js';
import { describeWithServer } from '../support/database.js';
import { http, UNAVAILABLE } from '../support/http.js';
import { type TcpProxy } from '../support/tcp-proxy.js';

const PROFILE = '/auth/v1/users/me/profile';
const ada = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  nickName: 'ada',
  displayName: 'Ada Lovelace',
};

describe('failures inside an update', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('writes the profile and its event together or not at all, and hides the cause', async () => {
    const sub = `atomic-${Date.now()}`;
    const token = await t.issuer.mint(sub);
    expect((await http(t.baseUrl, 'PUT', PROFILE, { token, body: ada })).status).toBe(200);
    // Occupy the next event's key, so writing the event fails after the state was written.
    await t.app.get(DataSource).query(
      `INSERT INTO profile_events (user_id, sequence, event_type, changes, creator, resource_owner, created_at)
         VALUES ($1, 2, 'test.blocker', '{}', 'test', 'default-org', now())`,
      [sub],
    );
    const res = await http(t.baseUrl, 'PUT', PROFILE, {
      token,
      body: { ...ada, nickName: 'lost' },
    });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ code: 13, message: 'internal error', details: [] });
    expect(res.text).not.toMatch(/profile_events|duplicate|INSERT|constraint/i);

    const stored = (await http(t.baseUrl, 'GET', PROFILE, { token })).body;
    expect(stored.profile.nickName).toBe('ada');
    expect(stored.details.sequence).toBe('1');
  });
});

describeWithServer('an unreachable database (needs TEST_DATABASE_URL)', () => {
  let t: TestApp;
  let proxy: TcpProxy;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({
      app: t,
      proxy,
      close,
    } = await startProxiedTestApp({
      connectTimeoutMs: 1000,
      queryTimeoutMs: 2000,
    }));
  });
  afterAll(async () => {
    await close?.(); // restores the link first, unless the test stopped while it was cut
  });

  it('answers 503/14 promptly, without internals, and recovers', async () => {
    const token = await t.issuer.mint(`down-${Date.now()}`);
    expect((await http(t.baseUrl, 'PUT', PROFILE, { token, body: ada })).status).toBe(200);

    await proxy.cut();
    const started = Date.now();
    const put = await http(t.baseUrl, 'PUT', PROFILE, { token, body: { ...ada, nickName: 'x' } });
    const get = await http(t.baseUrl, 'GET', PROFILE, { token });
    const ready = await http(t.baseUrl, 'GET', '/readyz');
    expect(Date.now() - started).toBeLessThan(15_000);
    for (const res of [put, get, ready]) {
      expect(res.status).toBe(503);
      expect(res.body).toEqual(UNAVAILABLE);
    }
    expect((await http(t.baseUrl, 'GET', '/healthz')).status).toBe(200);

    await proxy.restore();
    let recovered = 0;
    for (let i = 0; i < 20 && recovered !== 200; i++) {
      recovered = (await http(t.baseUrl, 'GET', '/readyz')).status;
      if (recovered !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(recovered).toBe(200);
    expect((await http(t.baseUrl, 'GET', PROFILE, { token })).body.profile.nickName).toBe('ada');
  });
});
