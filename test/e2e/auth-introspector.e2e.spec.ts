// TokenIntrospector against an RFC 7662 endpoint the test serves on 127.0.0.1, which checks the
// client's authentication both ways ZITADEL does. Cache lifetimes run on a clock the test moves
// (the network calls stay real).
import {
  IntrospectionUnavailableError,
  TokenIntrospector,
} from '../../src/auth/token-introspector.js';
import { type ClaimRules, InvalidClaimsError } from '../../src/auth/token-claims.js';
import { type IntrospectionConfig, loadConfig } from '../../src/config/config.js';
import {
  startIntrospectionServer,
  zitadelKeyFile,
  type IntrospectionBehaviour,
  type IntrospectionServer,
} from '../support/introspection-server.js';

const ISSUER = 'https://zitadel.test';
const AUDIENCE = '301234567890123456';
const OWNER_CLAIM = 'urn:zitadel:iam:user:resourceowner:id';
const RULES: ClaimRules = {
  issuer: ISSUER,
  audience: AUDIENCE,
  resourceOwnerClaim: OWNER_CLAIM,
  defaultResourceOwner: 'default-org',
};
const CLIENT = { clientId: 'profile-api@acme', clientSecret: 'sécret with spaces & symbols:!' };

/** What callerFor ended with: the caller, or the class of its error and the reason. */
async function outcome(introspector: TokenIntrospector, token: string): Promise<unknown> {
  try {
    return await introspector.callerFor(token);
  } catch (error) {
    if (error instanceof InvalidClaimsError) return { refused: error.message };
    if (error instanceof IntrospectionUnavailableError) return 'unavailable';
    throw error;
  }
}

describe('TokenIntrospector with client_secret_basic', () => {
  let server: IntrospectionServer;
  let now: number;
  const clock = () => now;
  const config = (cacheSeconds = 60): IntrospectionConfig => ({
    url: server.url,
    clientAuth: { method: 'client_secret_basic', ...CLIENT },
    cacheSeconds,
  });
  const introspector = (cacheSeconds = 60, options = {}) =>
    new TokenIntrospector(config(cacheSeconds), RULES, { now: clock, ...options });

  beforeEach(async () => {
    now = Date.now();
    server = await startIntrospectionServer({
      issuer: ISSUER,
      audience: AUDIENCE,
      client: { method: 'client_secret_basic', ...CLIENT },
    });
  });
  afterEach(async () => {
    await server.close();
  });

  it('names the caller of an active token, authenticating with HTTP Basic', async () => {
    const token = server.issue('user-1', { [OWNER_CLAIM]: 'org-7' });
    expect(await outcome(introspector(), token)).toEqual({
      subject: 'user-1',
      resourceOwner: 'org-7',
    });
    expect(server.methods).toEqual(['client_secret_basic']);
    expect(server.refusedClients).toBe(0);
  });

  it('gives a token without the resource-owner claim the default organisation', async () => {
    expect(await outcome(introspector(), server.issue('user-2'))).toEqual({
      subject: 'user-2',
      resourceOwner: 'default-org',
    });
  });

  const now_ = () => Math.floor(Date.now() / 1000);
  it.each<[string, Record<string, unknown>, string]>([
    ['an inactive token', { active: false }, 'the token is not active (introspection)'],
    ['active as a string', { active: 'true' }, 'the token is not active (introspection)'],
    ['another issuer', { iss: 'https://evil.test' }, 'iss is not the expected issuer'],
    ['no issuer', { iss: undefined }, 'iss is not the expected issuer'],
    ['another audience', { aud: ['someone-else'] }, 'aud does not contain the expected audience'],
    ['an expired token', { exp: now_() - 60 }, 'token expired'],
    ['no exp', { exp: undefined }, 'exp is missing'],
    ['a string exp', { exp: String(now_() + 300) }, 'exp is not a number'],
    ['nbf in the future', { nbf: now_() + 600 }, 'token not valid yet (nbf)'],
    ['iat in the future', { iat: now_() + 600 }, 'token issued in the future (iat)'],
    ['no subject', { sub: undefined }, 'sub is missing or empty'],
    ['a subject of 256 characters', { sub: 'x'.repeat(256) }, 'sub is longer than 255 characters'],
  ])('refuses %s', async (_, claims, reason) => {
    const token = server.issue('someone', claims);
    // An answer with `active` not a boolean is no RFC 7662 answer at all.
    const expected =
      typeof claims.active === 'string'
        ? 'unavailable'
        : { refused: expect.stringContaining(reason) };
    expect(await outcome(introspector(), token)).toEqual(expected);
  });

  it('answers for an unknown token that it is not active', async () => {
    expect(await outcome(introspector(), 'never-issued')).toEqual({
      refused: 'the token is not active (introspection)',
    });
  });

  it('reuses an active answer without asking again, at most AUTH_INTROSPECTION_CACHE_S', async () => {
    const token = server.issue('cached', { exp: Math.floor(now / 1000) + 3600 });
    const cached = introspector(60);
    for (let i = 0; i < 5; i++)
      expect(await outcome(cached, token)).toMatchObject({ subject: 'cached' });
    expect(server.requestsFor(token)).toBe(1);
    now += 60_000;
    await outcome(cached, token);
    expect(server.requestsFor(token)).toBe(1);
    now += 1;
    expect(await outcome(cached, token)).toMatchObject({ subject: 'cached' });
    expect(server.requestsFor(token)).toBe(2);
  });

  it('reuses an active answer no longer than the token’s exp', async () => {
    const token = server.issue('short-lived', { exp: Math.floor(now / 1000) + 20 });
    const cached = introspector(60);
    await outcome(cached, token);
    now += 15_000;
    await outcome(cached, token);
    expect(server.requestsFor(token)).toBe(1);
    // Past exp: asked again, and the answer is now too old to take (beyond the 10 s tolerance).
    now += 20_000;
    expect(await outcome(cached, token)).toEqual({ refused: 'token expired (introspection)' });
    expect(server.requestsFor(token)).toBe(2);
  });

  it('does not reuse a refusal for longer than 10 s', async () => {
    const token = server.issue('later', { active: false });
    const cached = introspector(60);
    expect(await outcome(cached, token)).toEqual({
      refused: 'the token is not active (introspection)',
    });
    now += 10_000;
    await outcome(cached, token);
    expect(server.requestsFor(token)).toBe(1);
    // The issuer activates it (or the answer was wrong): seen within 10 s.
    server.answer(token, {
      active: true,
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'later',
      exp: Math.floor(now / 1000) + 300,
    });
    now += 1;
    expect(await outcome(cached, token)).toEqual({
      subject: 'later',
      resourceOwner: 'default-org',
    });
    expect(server.requestsFor(token)).toBe(2);
  });

  it('caches nothing with AUTH_INTROSPECTION_CACHE_S=0', async () => {
    const token = server.issue('uncached');
    const uncached = introspector(0);
    for (let i = 0; i < 3; i++) await outcome(uncached, token);
    const refused = server.issue('refused', { active: false });
    for (let i = 0; i < 3; i++) await outcome(uncached, refused);
    expect([server.requestsFor(token), server.requestsFor(refused)]).toEqual([3, 3]);
  });

  it('asks once for many concurrent checks of one new token (single flight)', async () => {
    server.behave({ kind: 'normal', delayMs: 200 });
    const shared = introspector();
    const active = server.issue('crowd', { [OWNER_CLAIM]: 'org-c' });
    const inactive = server.issue('ghost', { active: false });
    const results = await Promise.all([
      ...Array.from({ length: 25 }, () => outcome(shared, active)),
      ...Array.from({ length: 25 }, () => outcome(shared, inactive)),
    ]);
    expect(results.slice(0, 25)).toEqual(
      Array.from({ length: 25 }, () => ({ subject: 'crowd', resourceOwner: 'org-c' })),
    );
    expect(new Set(results.slice(25).map((r) => JSON.stringify(r))).size).toBe(1);
    expect([server.requestsFor(active), server.requestsFor(inactive)]).toEqual([1, 1]);
  });

  it('never uses the raw token as a cache key', async () => {
    const shared = introspector();
    const token = server.issue('hashed');
    await outcome(shared, token);
    const cache = (shared as unknown as { cache: { keys(): Iterable<string> } }).cache;
    const keys = [...cache.keys()];
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain(token);
    expect(keys[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  const failures: [string, IntrospectionBehaviour][] = [
    ['HTTP 500', { kind: 'status', status: 500 }],
    ['HTTP 401 (our credentials refused)', { kind: 'status', status: 401 }],
    ['HTTP 403', { kind: 'status', status: 403 }],
    ['HTTP 400 with an OAuth error', { kind: 'status', status: 400 }],
    [
      'a body that is not JSON',
      { kind: 'body', body: '<html>login</html>', contentType: 'text/html' },
    ],
    ['a JSON array', { kind: 'body', body: '[{"active":true}]' }],
    ['JSON without active', { kind: 'body', body: '{"sub":"x"}' }],
    ['a JSON string', { kind: 'body', body: '"active"' }],
    [
      'an answer over 64 KiB',
      { kind: 'body', body: JSON.stringify({ active: true, pad: 'x'.repeat(70_000) }) },
    ],
  ];

  it.each(failures)(
    'is unavailable, not refusing the token, when the endpoint answers %s',
    async (_, behaviour) => {
      server.behave(behaviour);
      const shared = introspector();
      const token = server.issue('fine');
      expect(await outcome(shared, token)).toBe('unavailable');
      // A failure is not kept: once the endpoint is back, the same token is checked again.
      server.behave({ kind: 'normal' });
      expect(await outcome(shared, token)).toEqual({
        subject: 'fine',
        resourceOwner: 'default-org',
      });
      expect(server.requestsFor(token)).toBe(2);
    },
  );

  it('is unavailable when the endpoint refuses the service’s credentials', async () => {
    const wrong = new TokenIntrospector(
      {
        ...config(),
        clientAuth: {
          method: 'client_secret_basic',
          clientId: CLIENT.clientId,
          clientSecret: 'old',
        },
      },
      RULES,
      { now: clock },
    );
    expect(await outcome(wrong, server.issue('fine'))).toBe('unavailable');
    expect(server.refusedClients).toBe(1);
    expect(server.lastRefusal).toBe('wrong client id or secret');
  });

  it('gives up on an endpoint that hangs, at the time bound', async () => {
    server.behave({ kind: 'hang' });
    expect(await outcome(introspector(60, { timeoutMs: 300 }), server.issue('slow'))).toBe(
      'unavailable',
    );
  });

  it('is unavailable when the endpoint cannot be reached', async () => {
    const token = server.issue('down');
    const shared = introspector();
    await server.close();
    expect(await outcome(shared, token)).toBe('unavailable');
    server = await startIntrospectionServer({
      issuer: ISSUER,
      audience: AUDIENCE,
      client: { method: 'client_secret_basic', ...CLIENT },
    });
  });
});

describe('TokenIntrospector with private_key_jwt (a ZITADEL key file)', () => {
  const key = zitadelKeyFile();
  let server: IntrospectionServer;

  beforeAll(async () => {
    server = await startIntrospectionServer({
      issuer: ISSUER,
      audience: AUDIENCE,
      client: {
        method: 'private_key_jwt',
        clientId: key.clientId,
        keyId: key.keyId,
        publicKey: key.publicKey,
      },
    });
  });
  afterAll(async () => {
    await server.close();
    key.remove();
  });

  /** The introspection settings exactly as the service reads them from its environment. */
  const fromEnvironment = (keyFile: string) => {
    const introspection = loadConfig({
      AUTH_ISSUER: ISSUER,
      AUTH_INTROSPECTION_URL: server.url,
      AUTH_INTROSPECTION_KEY_FILE: keyFile,
    }).auth.introspection;
    if (introspection === undefined) throw new Error('introspection not configured');
    return introspection;
  };

  it('authenticates with an RS256 assertion the endpoint verifies (kid, iss, sub, aud, exp)', async () => {
    const introspector = new TokenIntrospector(fromEnvironment(key.path), RULES);
    const token = server.issue('jwt-profile-user', { [OWNER_CLAIM]: 'org-9' });
    expect(await outcome(introspector, token)).toEqual({
      subject: 'jwt-profile-user',
      resourceOwner: 'org-9',
    });
    expect(server.refusedClients).toBe(0);
    expect(server.methods).toContain('private_key_jwt');
  });

  it('is unavailable when the endpoint does not know the key', async () => {
    const other = zitadelKeyFile(key.clientId);
    try {
      const before = server.refusedClients;
      const introspector = new TokenIntrospector(fromEnvironment(other.path), RULES);
      expect(await outcome(introspector, server.issue('x'))).toBe('unavailable');
      expect(server.refusedClients).toBe(before + 1);
      expect(server.lastRefusal).toMatch(/wrong kid/);
    } finally {
      other.remove();
    }
  });

  it('signs a fresh assertion for every request', async () => {
    const introspector = new TokenIntrospector(fromEnvironment(key.path), RULES);
    const before = server.assertionIds.length;
    for (let i = 0; i < 3; i++) {
      expect(await outcome(introspector, server.issue(`u-${i}`))).toHaveProperty('subject');
    }
    const ids = server.assertionIds.slice(before);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
  });
});
