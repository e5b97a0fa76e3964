// Checks the test issuer against an independent verifier (jose), over its real JWKS endpoint.
import { createPublicKey } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTVerifyOptions,
} from 'jose';
import { startTestIssuer, type TestIssuer } from './jwt-issuer.js';

const RESOURCE_OWNER = 'urn:zitadel:iam:user:resourceowner:id';
const ALGORITHMS = ['RS256', 'ES256', 'PS256'];

describe('test JWT issuer', () => {
  let idp: TestIssuer;
  let verifyOptions: JWTVerifyOptions;

  beforeAll(async () => {
    idp = await startTestIssuer({ issuer: 'https://issuer.test', audience: 'profile-api' });
    verifyOptions = { issuer: idp.issuer, audience: idp.audience, algorithms: ALGORITHMS };
  });

  afterAll(async () => {
    await idp.close();
  });

  // A fresh key set per check, so one check's cache never hides another's fetch.
  const keys = () => createRemoteJWKSet(new URL(idp.jwksUri), { cooldownDuration: 0 });

  it('exposes its settings and serves the JWKS on loopback', async () => {
    expect(idp.issuer).toBe('https://issuer.test');
    expect(idp.audience).toBe('profile-api');
    expect(idp.jwksUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json$/);
    expect(idp.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);

    const before = idp.jwksRequests;
    const res = await fetch(idp.jwksUri);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(idp.jwksRequests).toBe(before + 1);
    for (const jwk of body.keys) {
      expect(jwk).toEqual(
        expect.objectContaining({ kid: expect.any(String), alg: expect.any(String), use: 'sig' }),
      );
      expect(jwk).not.toHaveProperty('d');
    }
    expect(body.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'PS256', 'RS256', 'RS256']);
    expect(new Set(body.keys.map((k) => k.kid)).size).toBe(body.keys.length);
  });

  it('mints a token that verifies with the right iss, aud, sub and resource owner', async () => {
    const token = await idp.mint('user-1', { claims: { [RESOURCE_OWNER]: 'org1' } });
    const { payload, protectedHeader } = await jwtVerify(token, keys(), verifyOptions);
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.iss).toBe('https://issuer.test');
    expect(payload.aud).toBe('profile-api');
    expect(payload.sub).toBe('user-1');
    expect(payload[RESOURCE_OWNER]).toBe('org1');
    expect(payload.exp).toBe((payload.iat ?? 0) + 300);
  });

  it('also verifies against the primary public key PEM', async () => {
    const token = await idp.mint('user-1');
    const { payload } = await jwtVerify(token, createPublicKey(idp.publicKeyPem), verifyOptions);
    expect(payload.sub).toBe('user-1');
  });

  it('honours the claim options', async () => {
    const token = await idp.mint('ignored', {
      sub: null,
      iss: 'https://other.test',
      aud: ['a', 'b'],
      notBeforeSeconds: 120,
    });
    await expect(jwtVerify(token, keys(), verifyOptions)).rejects.toBeInstanceOf(
      errors.JWTClaimValidationFailed,
    );
    const { payload } = await jwtVerify(token, keys(), {
      algorithms: ALGORITHMS,
      clockTolerance: 300,
    });
    expect(payload.sub).toBeUndefined();
    expect(payload.iss).toBe('https://other.test');
    expect(payload.aud).toEqual(['a', 'b']);
    expect(payload.nbf).toBe((payload.iat ?? 0) + 120);

    const noAud = await idp.mint('user-1', { aud: null });
    await expect(jwtVerify(noAud, keys(), verifyOptions)).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      claim: 'aud',
    });
  });

  it('omits the kid on request', async () => {
    // Only one ES256 key is published, so jose can still pick it without a kid...
    const es = await idp.mint('user-1', { alg: 'ES256', kid: null });
    expect(decodeProtectedHeader(es)).not.toHaveProperty('kid');
    await expect(jwtVerify(es, keys(), verifyOptions)).resolves.toBeDefined();
    // ...but several RS256 keys are, and jose refuses to guess between them.
    const rs = await idp.mint('user-1', { kid: null });
    expect(decodeProtectedHeader(rs)).not.toHaveProperty('kid');
    await expect(jwtVerify(rs, keys(), verifyOptions)).rejects.toBeInstanceOf(
      errors.JWKSMultipleMatchingKeys,
    );
  });

  it('rejects a token that is not yet valid', async () => {
    const token = await idp.mint('user-1', { notBeforeSeconds: 120 });
    await expect(jwtVerify(token, keys(), verifyOptions)).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      claim: 'nbf',
    });
  });

  it('rejects an expired token with an expiry error', async () => {
    const token = await idp.mint('user-1', { expiresInSeconds: -60 });
    await expect(jwtVerify(token, keys(), verifyOptions)).rejects.toBeInstanceOf(errors.JWTExpired);
    await expect(jwtVerify(token, keys(), verifyOptions)).rejects.toMatchObject({
      code: 'ERR_JWT_EXPIRED',
      claim: 'exp',
    });
  });

  it('verifies a token from the secondary key', async () => {
    const token = await idp.mint('user-2', { key: 'secondary' });
    const { payload } = await jwtVerify(token, keys(), verifyOptions);
    expect(payload.sub).toBe('user-2');
  });

  it('rejects a token signed by a key that is not in the JWKS', async () => {
    const token = await idp.mint('user-1', { key: 'unknown' });
    await expect(jwtVerify(token, keys(), verifyOptions)).rejects.toBeInstanceOf(
      errors.JWKSNoMatchingKey,
    );
  });

  it('rejects a token whose kid names a published key that did not sign it', async () => {
    const { kid } = decodeProtectedHeader(await idp.mint('user-1', { key: 'primary' }));
    expect(kid).toEqual(expect.any(String));
    const forged = await idp.mint('user-1', { key: 'secondary', kid: kid ?? null });
    await expect(jwtVerify(forged, keys(), verifyOptions)).rejects.toBeInstanceOf(
      errors.JWSSignatureVerificationFailed,
    );
  });

  it('produces an alg "none" token that jose rejects', async () => {
    const token = idp.noneToken('user-1');
    expect(decodeProtectedHeader(token).alg).toBe('none');
    expect(token.endsWith('.')).toBe(true);
    await expect(jwtVerify(token, keys(), verifyOptions)).rejects.toBeInstanceOf(
      errors.JOSEAlgNotAllowed,
    );
  });

  it('produces an HS256 token keyed with the public key PEM that jose rejects', async () => {
    const token = idp.hmacWithPublicKeyToken('user-1');
    expect(decodeProtectedHeader(token).alg).toBe('HS256');
    // The token really is a valid HMAC over the PEM: the attack only fails because of the alg list.
    const secret = new TextEncoder().encode(idp.publicKeyPem);
    const { payload } = await jwtVerify(token, secret, {
      issuer: idp.issuer,
      audience: idp.audience,
    });
    expect(payload.sub).toBe('user-1');
    await expect(jwtVerify(token, keys(), verifyOptions)).rejects.toBeInstanceOf(
      errors.JOSEAlgNotAllowed,
    );
  });

  it('produces a tampered token whose signature no longer matches', async () => {
    const token = await idp.tamperedToken('victim');
    const claimed = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      sub?: string;
    };
    expect(claimed.sub).toBe('victim');
    await expect(jwtVerify(token, keys(), verifyOptions)).rejects.toBeInstanceOf(
      errors.JWSSignatureVerificationFailed,
    );
  });

  it('signs ES256 and PS256 tokens that verify', async () => {
    for (const alg of ['ES256', 'PS256'] as const) {
      const token = await idp.mint(`user-${alg}`, { alg });
      const { payload, protectedHeader } = await jwtVerify(token, keys(), verifyOptions);
      expect(protectedHeader.alg).toBe(alg);
      expect(payload.sub).toBe(`user-${alg}`);
    }
    const unknownEs = await idp.mint('user-1', { alg: 'ES256', key: 'unknown' });
    await expect(jwtVerify(unknownEs, keys(), verifyOptions)).rejects.toBeInstanceOf(
      errors.JWKSNoMatchingKey,
    );
  });

  it('rotates to a new kid that a cached key set picks up by refetching', async () => {
    const cached = keys();
    const before = await idp.mint('user-1');
    await jwtVerify(before, cached, verifyOptions);
    const requestsBefore = idp.jwksRequests;
    const oldKid = decodeProtectedHeader(before).kid;

    await idp.rotate();

    const after = await idp.mint('user-1');
    const newKid = decodeProtectedHeader(after).kid;
    expect(newKid).toEqual(expect.any(String));
    expect(newKid).not.toBe(oldKid);
    expect(cached.jwks()?.keys.some((k) => k.kid === newKid)).toBe(false);

    const { payload } = await jwtVerify(after, cached, verifyOptions);
    expect(payload.sub).toBe('user-1');
    expect(idp.jwksRequests).toBeGreaterThan(requestsBefore);
    // Old keys stay published.
    await expect(jwtVerify(before, cached, verifyOptions)).resolves.toBeDefined();
    await expect(
      jwtVerify(await idp.mint('user-1', { key: 'primary' }), cached, verifyOptions),
    ).resolves.toBeDefined();
  });
});
