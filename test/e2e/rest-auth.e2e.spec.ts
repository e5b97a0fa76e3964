import { RESOURCE_OWNER_CLAIM, startTestApp, type TestApp } from '../support/app.js';
import { AUTH_HEADER_MISSING, http, TOKEN_INVALID } from '../support/http.js';
import { startJwksServer } from '../support/jwks-server.js';

const now = () => Math.floor(Date.now() / 1000);

const PROFILE = '/auth/v1/users/me/profile';
const body = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  nickName: 'ada',
  displayName: 'Ada Lovelace',
};

describe('REST authentication (JWKS)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['PUT', '/auth/v1/users/me/profile'],
    ['PUT', '/users/me/profile'],
    ['GET', '/auth/v1/users/me/profile'],
    ['GET', '/users/me/profile'],
  ])('%s %s without a token is 401 "auth header missing"', async (method, path) => {
    const res = await http(t.baseUrl, method, path, method === 'PUT' ? { body } : {});
    expect(res.status).toBe(401);
    expect(res.body).toEqual(AUTH_HEADER_MISSING);
  });

  it('checks the token before the body: a bad body without a token is still 401', async () => {
    const res = await http(t.baseUrl, 'PUT', PROFILE, {
      rawBody: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(AUTH_HEADER_MISSING);
    const bad = await http(t.baseUrl, 'PUT', PROFILE, {
      rawBody: '{not json',
      headers: { 'content-type': 'application/json', authorization: 'Bearer nope' },
    });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual(TOKEN_INVALID);
  });

  const badTokens: [string, (t: TestApp) => Promise<string> | string][] = [
    ['an expired token', (t) => t.issuer.mint('alice', { expiresInSeconds: -120 })],
    ['a token not valid yet', (t) => t.issuer.mint('alice', { notBeforeSeconds: 300 })],
    ['a wrong issuer', (t) => t.issuer.mint('alice', { iss: 'https://evil.test' })],
    ['a wrong audience', (t) => t.issuer.mint('alice', { aud: 'another-api' })],
    ['no audience', (t) => t.issuer.mint('alice', { aud: null })],
    ['no subject', (t) => t.issuer.mint('alice', { sub: null })],
    ['an empty subject', (t) => t.issuer.mint('', {})],
    ['alg none', (t) => t.issuer.noneToken('alice')],
    ['HS256 signed with the public key', (t) => t.issuer.hmacWithPublicKeyToken('alice')],
    ['a key not in the JWKS', (t) => t.issuer.mint('alice', { key: 'unknown' })],
    ['a tampered payload', (t) => t.issuer.tamperedToken('alice')],
    ['garbage', () => 'not.a.jwt'],
    ['a valid token followed by more words', async (t) => `${await t.issuer.mint('alice')} junk`],
    ['a valid token followed by a tab and more', async (t) => `${await t.issuer.mint('alice')}\tx`],
    ['no expiry', (t) => t.issuer.mint('alice', { claims: { exp: undefined } })],
    [
      'an unknown critical header',
      (t) => t.issuer.mint('alice', { header: { crit: ['x'], x: 1 } }),
    ],
    ['a NUL in the subject', (t) => t.issuer.mint('a\u0000b')],
    ['a lone surrogate in the subject', (t) => t.issuer.mint('a\ud800b')],
    ['a subject of 10 KB', (t) => t.issuer.mint('x'.repeat(10_000))],
    ['a subject of 256 characters', (t) => t.issuer.mint('x'.repeat(256))],
    ['a subject of 256 astral characters', (t) => t.issuer.mint('😀'.repeat(256))],
    ['a subject that is not a string', (t) => t.issuer.mint('x', { claims: { sub: 42 } })],
    ['iat in the future', (t) => t.issuer.mint('alice', { claims: { iat: now() + 3600 } })],
    ['a string exp', (t) => t.issuer.mint('alice', { claims: { exp: '9999999999' } })],
    ['a string nbf', (t) => t.issuer.mint('alice', { claims: { nbf: String(now()) } })],
    ['a string iat', (t) => t.issuer.mint('alice', { claims: { iat: String(now()) } })],
    ['a null exp', (t) => t.issuer.mint('alice', { claims: { exp: null } })],
    ['an array audience without ours', (t) => t.issuer.mint('alice', { aud: ['a', 'b'] })],
    [
      'an attacker key in its own jwk header',
      (t) => t.issuer.mint('alice', { key: 'unknown', header: { jwk: t.issuer.unknownRsaJwk } }),
    ],
    [
      'an attacker key in its own x5u header',
      (t) =>
        t.issuer.mint('alice', { key: 'unknown', header: { x5u: 'http://127.0.0.1:9/x.pem' } }),
    ],
  ];

  it.each(badTokens)('rejects %s with AUTH-7fs1e', async (_, make) => {
    const token = await make(t);
    for (const method of ['GET', 'PUT']) {
      const res = await http(t.baseUrl, method, PROFILE, {
        token,
        ...(method === 'PUT' ? { body } : {}),
      });
      expect(res.status).toBe(401);
      expect(res.body).toEqual(TOKEN_INVALID);
      expect(res.text).not.toMatch(/expired|issuer|audience|signature|stack/i);
    }
  });

  it('takes a subject of 255 characters, counted in code points', async () => {
    for (const sub of ['s'.repeat(255), '😀'.repeat(255), `${'é'.repeat(254)}\u{1F600}`]) {
      const res = await http(t.baseUrl, 'PUT', PROFILE, { token: await t.issuer.mint(sub), body });
      expect(res.status).toBe(200);
    }
  });

  it('takes tokens with an array audience holding ours, and iat within the tolerance', async () => {
    const token = await t.issuer.mint('array-aud', {
      aud: ['another-api', t.issuer.audience],
      claims: { iat: now() + 5 },
    });
    expect((await http(t.baseUrl, 'PUT', PROFILE, { token, body })).status).toBe(200);
  });

  it('never fetches keys from a jku in the token', async () => {
    const attacker = await startJwksServer({ kind: 'keys', keys: [t.issuer.unknownRsaJwk] });
    try {
      const token = await t.issuer.mint('alice', { key: 'unknown', header: { jku: attacker.url } });
      const res = await http(t.baseUrl, 'GET', PROFILE, { token });
      expect(res.status).toBe(401);
      expect(res.body).toEqual(TOKEN_INVALID);
      expect(attacker.requests).toBe(0);
    } finally {
      await attacker.close();
    }
  });

  it('checks the token before reading even an over-large body', async () => {
    const huge = JSON.stringify({ ...body, nickName: 'x'.repeat(100_000) });
    for (const headers of [{}, { authorization: 'Bearer nope' }] as Record<string, string>[]) {
      const res = await http(t.baseUrl, 'PUT', PROFILE, {
        rawBody: huge,
        headers: { 'content-type': 'application/json', ...headers },
      });
      expect(res.status).toBe(401);
    }
    const token = await t.issuer.mint('big-body');
    const res = await http(t.baseUrl, 'PUT', PROFILE, { token, rawBody: huge });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: 3,
      message: 'invalid UpdateMyProfileRequest: request body larger than 65536 bytes',
      details: [],
    });
  });

  it('answers a header too large for Node in the Status envelope', async () => {
    const res = await http(t.baseUrl, 'GET', PROFILE, {
      headers: { authorization: `Bearer ${'x'.repeat(20_000)}` },
    });
    expect(res.status).toBe(431);
    expect(res.body).toEqual({ code: 3, message: 'request header too large', details: [] });
  });

  it('rejects a header that is not a bearer token', async () => {
    for (const authorization of ['Basic YWxpY2U6c2VjcmV0', 'Bearer', 'token-without-scheme']) {
      const res = await http(t.baseUrl, 'GET', PROFILE, { headers: { authorization } });
      expect(res.status).toBe(401);
      expect(res.body).toEqual(TOKEN_INVALID);
    }
  });

  it('accepts RS256, PS256 and ES256 tokens, within the clock tolerance', async () => {
    for (const alg of ['RS256', 'PS256', 'ES256'] as const) {
      const token = await t.issuer.mint(`subject-${alg}`, { alg });
      const res = await http(t.baseUrl, 'PUT', PROFILE, { token, body });
      expect(res.status).toBe(200);
    }
    const skewed = await t.issuer.mint('skewed', { notBeforeSeconds: 3 });
    expect((await http(t.baseUrl, 'PUT', PROFILE, { token: skewed, body })).status).toBe(200);
  });

  it('fetches the JWKS again for an unknown kid after key rotation', async () => {
    await http(t.baseUrl, 'GET', PROFILE, { token: await t.issuer.mint('rotation') });
    const before = t.issuer.jwksRequests;
    await t.issuer.rotate();
    // The service refetches for an unknown kid at most once a second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const token = await t.issuer.mint('rotation');
    const res = await http(t.baseUrl, 'PUT', PROFILE, { token, body });
    expect(res.status).toBe(200);
    expect(t.issuer.jwksRequests).toBeGreaterThan(before);
  });

  it('caches the JWKS between calls', async () => {
    const token = await t.issuer.mint('cached');
    await http(t.baseUrl, 'GET', PROFILE, { token });
    const before = t.issuer.jwksRequests;
    for (let i = 0; i < 5; i++) await http(t.baseUrl, 'GET', PROFILE, { token });
    expect(t.issuer.jwksRequests).toBe(before);
  });

  it('takes the resource owner from the claim, or the default organisation', async () => {
    const withClaim = await t.issuer.mint('org-user', {
      claims: { [RESOURCE_OWNER_CLAIM]: 'org-42' },
    });
    const res = await http(t.baseUrl, 'PUT', PROFILE, { token: withClaim, body });
    expect(res.status).toBe(200);
    expect(res.body.details.resourceOwner).toBe('org-42');

    const without = await t.issuer.mint('plain-user');
    const plain = await http(t.baseUrl, 'PUT', PROFILE, { token: without, body });
    expect(plain.body.details.resourceOwner).toBe('default-org');
  });

  it('leaves health probes and the OpenAPI document open', async () => {
    expect((await http(t.baseUrl, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await http(t.baseUrl, 'GET', '/readyz')).body).toEqual({ status: 'ok' });
    // What the document says, and that the answers fit it: test/e2e/openapi.e2e.spec.ts.
    const doc = await http(t.baseUrl, 'GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.paths['/auth/v1/users/me/profile'].put.security).toEqual([{ bearer: [] }]);
    expect((await http(t.baseUrl, 'GET', '/docs')).status).toBe(200);
  });
});

describe('REST authentication (PEM public key)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      auth: (issuer) => ({ mode: 'public-key', publicKeyPem: issuer.publicKeyPem }),
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('accepts tokens of that key and rejects others', async () => {
    const good = await t.issuer.mint('pem-user', { key: 'primary' });
    expect((await http(t.baseUrl, 'PUT', PROFILE, { token: good, body })).status).toBe(200);
    const other = await t.issuer.mint('pem-user', { key: 'secondary' });
    expect((await http(t.baseUrl, 'GET', PROFILE, { token: other })).body).toEqual(TOKEN_INVALID);
    const hmac = t.issuer.hmacWithPublicKeyToken('pem-user');
    expect((await http(t.baseUrl, 'GET', PROFILE, { token: hmac })).body).toEqual(TOKEN_INVALID);
  });
});
