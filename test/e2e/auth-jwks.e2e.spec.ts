// The issuer's JWKS fetched with bounds (contract section 4): against a JWKS endpoint on 127.0.0.1
// that the test turns hostile (garbage, not a JWKS, 500, a redirect, a hang, a slow body, a huge
// answer) and whose requests it counts. First RemoteJwks itself, on a clock the test moves; then
// the whole app, with real waits.
import { Logger } from '@nestjs/common';
import { type JsonWebKey } from 'node:crypto';
import { errors } from 'jose';
import { JWKS_DEFAULTS, JwksFetchError, RemoteJwks } from '../../src/auth/remote-jwks.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { AUTH_HEADER_MISSING, TOKEN_INVALID, UNAVAILABLE } from '../support/http.js';
import { publishedKeys, startJwksServer, type JwksServer } from '../support/jwks-server.js';
import { startTestIssuer, type TestIssuer } from '../support/jwt-issuer.js';

const PROFILE = '/auth/v1/users/me/profile';
const MiB = 1024 * 1024;

const rs256 = (kid: string | undefined) => ({
  alg: 'RS256',
  ...(kid === undefined ? {} : { kid }),
});

/** What a getKey call ended with: a key, or the class of its error. */
async function outcome(jwks: RemoteJwks, kid: string): Promise<string> {
  try {
    await jwks.getKey(rs256(kid));
    return 'key';
  } catch (error) {
    if (error instanceof JwksFetchError) return 'unavailable';
    if (error instanceof errors.JWKSNoMatchingKey) return 'no matching key';
    throw error;
  }
}

describe('RemoteJwks (against a JWKS endpoint the test controls)', () => {
  let issuer: TestIssuer;
  let keys: JsonWebKey[];
  let server: JwksServer;
  let now: number;
  const clock = () => now;
  const kidOf = (key: JsonWebKey | undefined) => String(key?.kid);
  const rsaKid = () => kidOf(keys.find((k) => k.alg === 'RS256'));

  beforeAll(async () => {
    // RemoteJwks logs each failed fetch; outside an app nothing else silences it.
    if (process.env.TEST_LOGS !== '1') Logger.overrideLogger(false);
    issuer = await startTestIssuer();
    keys = await publishedKeys(issuer.jwksUri);
  });
  afterAll(async () => {
    await issuer.close();
  });
  beforeEach(async () => {
    now = 1_000_000;
    server = await startJwksServer({ kind: 'keys', keys });
  });
  afterEach(async () => {
    await server.close();
  });

  const remote = (options = {}) => new RemoteJwks(new URL(server.url), { now: clock, ...options });

  it('fetches once for many concurrent calls, then serves known keys from its cache', async () => {
    const jwks = remote();
    const results = await Promise.all(Array.from({ length: 20 }, () => outcome(jwks, rsaKid())));
    expect(results).toEqual(Array.from({ length: 20 }, () => 'key'));
    expect(server.requests).toBe(1);
    now += JWKS_DEFAULTS.maxAgeMs - 1;
    expect(await outcome(jwks, rsaKid())).toBe('key');
    expect(server.requests).toBe(1);
  });

  it('refetches for unknown kids at most once per cooldown, and finds a key published later', async () => {
    const jwks = remote();
    expect(await outcome(jwks, rsaKid())).toBe('key');
    for (let i = 0; i < 10; i++)
      expect(await outcome(jwks, `unknown-${i}`)).toBe('no matching key');
    // Within a second of the fetch: the set is taken as current.
    expect(server.requests).toBe(1);
    now += JWKS_DEFAULTS.cooldownMs;
    await issuer.rotate();
    server.behave({ kind: 'keys', keys: await publishedKeys(issuer.jwksUri) });
    const rotated = await issuer.mint('x');
    const kid = JSON.parse(Buffer.from(rotated.split('.')[0]!, 'base64url').toString()).kid;
    const burst = await Promise.all(Array.from({ length: 10 }, () => outcome(jwks, kid)));
    expect(burst).toEqual(Array.from({ length: 10 }, () => 'key'));
    expect(server.requests).toBe(2);
  });

  const failures: [string, () => Parameters<JwksServer['behave']>[0], string][] = [
    ['not JSON', () => ({ kind: 'body', body: '<html>oops</html>' }), 'not JSON'],
    ['JSON that is not a JWKS', () => ({ kind: 'body', body: '{"keys":"none"}' }), 'not a JWKS'],
    ['a JSON array', () => ({ kind: 'body', body: '[]' }), 'not a JWKS'],
    ['HTTP 500', () => ({ kind: 'status', status: 500 }), 'HTTP 500'],
    [
      'a redirect (not followed)',
      () => ({ kind: 'status', status: 302, headers: { location: server.url } }),
      'HTTP 302',
    ],
    [
      'an answer over 1 MiB without content-length',
      () => ({ kind: 'huge', bytes: 200 * MiB, declareLength: false }),
      'over 1048576 bytes',
    ],
    [
      'an answer over 1 MiB with content-length',
      () => ({ kind: 'huge', bytes: 200 * MiB, declareLength: true }),
      'over 1048576 bytes',
    ],
  ];

  it.each(failures)('does not use %s, and does not retry it for 5 s', async (_, make, reason) => {
    server.behave(make());
    const jwks = remote();
    await expect(jwks.getKey(rs256(rsaKid()))).rejects.toThrow(reason);
    expect(server.requests).toBe(1);
    // Many calls, each with another kid, within the failure cooldown: no fetch at all.
    const burst = await Promise.all(
      Array.from({ length: 50 }, (_, i) => outcome(jwks, i === 0 ? rsaKid() : `kid-${i}`)),
    );
    expect(new Set(burst)).toEqual(new Set(['unavailable']));
    now += JWKS_DEFAULTS.failureCooldownMs - 1;
    expect(await outcome(jwks, 'kid-late')).toBe('unavailable');
    expect(server.requests).toBe(1);
    // After the cooldown, the endpoint is asked again, and a good answer is used.
    server.behave({ kind: 'keys', keys });
    now += 1;
    expect(await outcome(jwks, rsaKid())).toBe('key');
    expect(server.requests).toBe(2);
  });

  it('stops reading a huge answer at the limit instead of buffering it', async () => {
    server.behave({ kind: 'huge', bytes: 200 * MiB, declareLength: false });
    await expect(remote().getKey(rs256(rsaKid()))).rejects.toThrow(JwksFetchError);
    // What the server could push before the client hung up: the limit plus socket buffers.
    expect(server.bytesSent).toBeLessThan(32 * MiB);
  });

  it.each([
    ['never answers', { kind: 'hang' } as const],
    ['sends its body too slowly', { kind: 'drip', everyMs: 20 } as const],
  ])('gives up on an endpoint that %s, at the time bound', async (_, behaviour) => {
    server.behave(behaviour);
    const jwks = remote({ timeoutMs: 300 });
    await expect(jwks.getKey(rs256(rsaKid()))).rejects.toThrow('did not answer within 300 ms');
    expect(server.requests).toBe(1);
  });

  it('gives up on an endpoint that cannot be reached', async () => {
    const jwks = remote();
    await server.close();
    await expect(jwks.getKey(rs256(rsaKid()))).rejects.toThrow(/cannot be reached: .*ECONNREFUSED/);
    server = await startJwksServer({ kind: 'keys', keys });
  });

  it('keeps serving known keys while the endpoint fails, refreshing them in the background', async () => {
    const jwks = remote();
    expect(await outcome(jwks, rsaKid())).toBe('key');
    server.behave({ kind: 'body', body: 'garbage' });
    now += JWKS_DEFAULTS.maxAgeMs;
    // Stale: a background refresh starts, and the known key serves meanwhile.
    expect(await outcome(jwks, rsaKid())).toBe('key');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.requests).toBe(2);
    for (let i = 0; i < 20; i++) expect(await outcome(jwks, rsaKid())).toBe('key');
    // A key it does not know cannot be looked up: unavailable, not "invalid"; and no new fetch.
    expect(await outcome(jwks, 'rotated-while-down')).toBe('unavailable');
    expect(server.requests).toBe(2);
  });

  it('tells an unknown kid of a healthy endpoint from an endpoint it cannot reach', async () => {
    const jwks = remote();
    expect(await outcome(jwks, 'never-published')).toBe('no matching key');
    server.behave({ kind: 'status', status: 503 });
    now += JWKS_DEFAULTS.cooldownMs;
    expect(await outcome(jwks, 'never-published')).toBe('unavailable');
    expect(await outcome(jwks, rsaKid())).toBe('key');
  });
});

describe('JWKS bounds in the running app', () => {
  let t: TestApp;
  let jwks: JwksServer;

  beforeAll(async () => {
    jwks = await startJwksServer({ kind: 'hang' });
    t = await startTestApp({ auth: () => ({ jwksUri: jwks.url }) });
  });
  afterAll(async () => {
    await t?.close();
    await jwks?.close();
  });

  /** GET my profile, failing the test if no answer comes within 6 s. */
  const get = async (token: string) => {
    const response = await fetch(`${t.baseUrl}${PROFILE}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(6000),
    });
    return { status: response.status, body: await response.json() };
  };
  const unknownKid = (i: number) =>
    t.issuer.mint('someone', { key: 'unknown', kid: `unknown-${i}` });

  it('answers 14 within 6 s when the endpoint hangs, then accepts a key published later', async () => {
    // The first fetch the app makes hangs.
    jwks.behave({ kind: 'hang' });
    const before = jwks.requests;
    expect(await get(await unknownKid(100))).toEqual({ status: 503, body: UNAVAILABLE });
    expect(jwks.requests).toBe(before + 1);

    await t.issuer.rotate();
    jwks.behave({ kind: 'keys', keys: await publishedKeys(t.issuer.jwksUri) });
    const rotated = await t.issuer.mint('rotated-key-user');
    // Still cooling down after the hang: not asked, so the key cannot be known yet.
    expect(await get(rotated)).toEqual({ status: 503, body: UNAVAILABLE });
    expect(jwks.requests).toBe(before + 1);
    await new Promise((resolve) => setTimeout(resolve, JWKS_DEFAULTS.failureCooldownMs + 100));
    expect(await get(rotated)).toEqual({ status: 404, body: expect.objectContaining({ code: 5 }) });
    expect(jwks.requests).toBe(before + 2);
  });

  it('keeps known keys working while the endpoint answers garbage; unknown kids get 14 without fetching', async () => {
    const known = await t.issuer.mint('known-key-user');
    expect((await get(known)).body).toMatchObject({ code: 5 });
    const before = jwks.requests;

    jwks.behave({ kind: 'body', body: '{"keys": 42}' });
    // Past the 1 s cooldown of the good fetch, so an unknown kid may fetch once.
    await new Promise((resolve) => setTimeout(resolve, JWKS_DEFAULTS.cooldownMs + 100));
    const first = await get(await unknownKid(0));
    expect(first).toEqual({ status: 503, body: UNAVAILABLE });
    expect(jwks.requests).toBe(before + 1);

    const tokens = await Promise.all(Array.from({ length: 30 }, (_, i) => unknownKid(i + 1)));
    const answers = await Promise.all(tokens.map((token) => get(token)));
    for (const answer of answers) expect(answer).toEqual({ status: 503, body: UNAVAILABLE });
    expect(jwks.requests).toBe(before + 1);

    for (let i = 0; i < 5; i++) expect((await get(known)).status).toBe(404);
    // A token that is wrong in itself is still "invalid", whatever the endpoint does.
    expect((await get(await t.issuer.mint('x', { expiresInSeconds: -60 }))).body).toEqual(
      TOKEN_INVALID,
    );
    expect(jwks.requests).toBe(before + 1);
  });

  it('still says "auth header missing" without a token, whatever the endpoint does', async () => {
    jwks.behave({ kind: 'status', status: 500 });
    const response = await fetch(`${t.baseUrl}${PROFILE}`, { signal: AbortSignal.timeout(6000) });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(AUTH_HEADER_MISSING);
  });
});
