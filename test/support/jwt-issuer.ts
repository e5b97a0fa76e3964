// Test fixture that plays an OpenID provider for end-to-end tests of access-token verification:
// it holds signing keys, serves their public halves as a JWKS over loopback HTTP, and mints good
// and deliberately bad tokens. Signing uses node:crypto directly (no JOSE library), so the spec can
// check it against an independent verifier.
import {
  constants,
  createHmac,
  generateKeyPair,
  randomBytes,
  randomUUID,
  sign,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { promisify } from 'node:util';

export interface MintOptions {
  /** null = omit the claim */
  sub?: string | null;
  /** default: the issuer's own issuer string */
  iss?: string;
  /** default: the configured audience; null = omit the claim */
  aud?: string | string[] | null;
  /** default 300; negative = already expired */
  expiresInSeconds?: number;
  /** nbf relative to now, e.g. +120 = not yet valid; omitted = no nbf claim */
  notBeforeSeconds?: number;
  /** extra claims, applied last (they may override the standard ones) */
  claims?: Record<string, unknown>;
  /** extra JOSE header parameters, e.g. {crit: ['x'], x: 1} */
  header?: Record<string, unknown>;
  /** override the header kid (null = omit) */
  kid?: string | null;
  /**
   * Which signing key. Default: the current RSA key (the primary one, or the newest after rotate())
   * for RS256; the primary RSA key for PS256; the EC key for ES256. 'unknown' = a key NOT in the
   * JWKS (of the type alg needs). 'secondary' exists for RS256 only.
   */
  key?: 'primary' | 'secondary' | 'unknown';
  /** default RS256 */
  alg?: 'RS256' | 'ES256' | 'PS256';
}

export interface TestIssuer {
  /** e.g. 'https://issuer.test' (a string; not the URL of the server) */
  issuer: string;
  audience: string;
  /** http://127.0.0.1:<port>/.well-known/jwks.json served by this fixture */
  jwksUri: string;
  /** PEM (SPKI) of the primary RSA key, for the AUTH_PUBLIC_KEY mode */
  publicKeyPem: string;
  /**
   * The public half of the RSA key that is NOT in the JWKS (what `key: 'unknown'` signs with), as
   * a JWK with its kid and alg: an attacker's key, to embed in a token's `jwk` header or serve
   * from a `jku` URL.
   */
  unknownRsaJwk: JsonWebKey;
  /** how many times the JWKS was fetched */
  readonly jwksRequests: number;
  mint(sub: string, options?: MintOptions): Promise<string>;
  /** header alg 'none', empty signature, otherwise valid claims */
  noneToken(sub: string): string;
  /** HS256 signed with the primary public key PEM as the HMAC secret (key-confusion attack) */
  hmacWithPublicKeyToken(sub: string): string;
  /** claims `sub`, but its signature was made over the same token for another subject */
  tamperedToken(sub: string): Promise<string>;
  /** adds a new RSA key (new kid) to the JWKS and makes it the default RS256 signing key */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

type Alg = NonNullable<MintOptions['alg']>;

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

interface PublishedKey {
  kid: string;
  alg: Alg;
  publicKey: KeyObject;
}

const JWKS_PATH = '/.well-known/jwks.json';

const generateKeyPairAsync = promisify(generateKeyPair);

function newKid(label: string): string {
  return `${label}-${randomBytes(6).toString('hex')}`;
}

async function rsaKey(label: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  return { kid: newKid(label), privateKey, publicKey };
}

async function ecKey(label: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPairAsync('ec', { namedCurve: 'P-256' });
  return { kid: newKid(label), privateKey, publicKey };
}

function b64url(input: string | Buffer): string {
  return Buffer.from(input).toString('base64url');
}

function encodeJson(value: unknown): string {
  return b64url(JSON.stringify(value));
}

function signJws(alg: Alg, privateKey: KeyObject, signingInput: string): string {
  const data = Buffer.from(signingInput);
  switch (alg) {
    case 'RS256':
      return b64url(sign('sha256', data, privateKey));
    case 'PS256':
      return b64url(
        sign('sha256', data, {
          key: privateKey,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: 32,
        }),
      );
    case 'ES256':
      // JWS wants the raw r||s form (RFC 7518 section 3.4), not DER.
      return b64url(sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
  }
}

export async function startTestIssuer(
  options: { issuer?: string; audience?: string } = {},
): Promise<TestIssuer> {
  const issuer = options.issuer ?? 'https://issuer.test';
  const audience = options.audience ?? 'profile-service';

  const [primary, secondary, ec, unknownRsa, unknownEc] = await Promise.all([
    rsaKey('rsa-primary'),
    rsaKey('rsa-secondary'),
    ecKey('ec-primary'),
    rsaKey('rsa-unknown'),
    ecKey('ec-unknown'),
  ]);
  // One JWK per (key, alg): the primary RSA key is published twice, once per RSA algorithm,
  // because a JWK's "alg" pins the one algorithm it may be used with.
  const primaryPsKid = newKid('rsa-primary-ps256');
  const published: PublishedKey[] = [
    { kid: primary.kid, alg: 'RS256', publicKey: primary.publicKey },
    { kid: primaryPsKid, alg: 'PS256', publicKey: primary.publicKey },
    { kid: secondary.kid, alg: 'RS256', publicKey: secondary.publicKey },
    { kid: ec.kid, alg: 'ES256', publicKey: ec.publicKey },
  ];
  let currentRsa = primary;
  let rotations = 0;
  let jwksRequests = 0;

  const jwks = (): { keys: JsonWebKey[] } => ({
    keys: published.map(({ kid, alg, publicKey }) => ({
      ...publicKey.export({ format: 'jwk' }),
      kid,
      alg,
      use: 'sig',
    })),
  });

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (req.method === 'GET' && path === JWKS_PATH) {
      jwksRequests += 1;
      const body = JSON.stringify(jwks());
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'not_found' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const jwksUri = `http://127.0.0.1:${port}${JWKS_PATH}`;

  const claimsFor = (sub: string, o: MintOptions = {}): Record<string, unknown> => {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = { iss: o.iss ?? issuer };
    const subject = o.sub === undefined ? sub : o.sub;
    if (subject !== null) payload.sub = subject;
    const aud = o.aud === undefined ? audience : o.aud;
    if (aud !== null) payload.aud = aud;
    payload.iat = now;
    payload.exp = now + (o.expiresInSeconds ?? 300);
    if (o.notBeforeSeconds !== undefined) payload.nbf = now + o.notBeforeSeconds;
    payload.jti = randomUUID();
    return { ...payload, ...o.claims };
  };

  const pickKey = (alg: Alg, key: MintOptions['key']): SigningKey => {
    if (key === 'unknown') return alg === 'ES256' ? unknownEc : unknownRsa;
    switch (alg) {
      case 'RS256':
        if (key === 'primary') return primary;
        if (key === 'secondary') return secondary;
        return currentRsa;
      case 'PS256':
        if (key === 'secondary') throw new Error('PS256 tokens are signed with the primary key');
        return { ...primary, kid: primaryPsKid };
      case 'ES256':
        if (key === 'secondary') throw new Error('there is no secondary EC key');
        return ec;
    }
  };

  const mint = (sub: string, o: MintOptions = {}): Promise<string> => {
    const alg = o.alg ?? 'RS256';
    const signingKey = pickKey(alg, o.key);
    const kid = o.kid === undefined ? signingKey.kid : o.kid;
    const header: Record<string, unknown> = { alg, typ: 'JWT', ...o.header };
    if (kid !== null) header.kid = kid;
    const signingInput = `${encodeJson(header)}.${encodeJson(claimsFor(sub, o))}`;
    return Promise.resolve(`${signingInput}.${signJws(alg, signingKey.privateKey, signingInput)}`);
  };

  const publicKeyPem = primary.publicKey.export({ type: 'spki', format: 'pem' }) as string;

  return {
    issuer,
    audience,
    jwksUri,
    publicKeyPem,
    unknownRsaJwk: {
      ...unknownRsa.publicKey.export({ format: 'jwk' }),
      kid: unknownRsa.kid,
      alg: 'RS256',
      use: 'sig',
    },
    get jwksRequests() {
      return jwksRequests;
    },
    mint,
    noneToken(sub) {
      return `${encodeJson({ alg: 'none', typ: 'JWT' })}.${encodeJson(claimsFor(sub))}.`;
    },
    hmacWithPublicKeyToken(sub) {
      const header = { alg: 'HS256', typ: 'JWT', kid: primary.kid };
      const signingInput = `${encodeJson(header)}.${encodeJson(claimsFor(sub))}`;
      const mac = createHmac('sha256', publicKeyPem).update(signingInput).digest();
      return `${signingInput}.${b64url(mac)}`;
    },
    async tamperedToken(sub) {
      const [header, payload, signature] = (await mint(`${sub}-original`)).split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      claims.sub = sub;
      return `${header}.${encodeJson(claims)}.${signature}`;
    },
    async rotate() {
      rotations += 1;
      const next = await rsaKey(`rsa-rotated-${rotations}`);
      published.push({ kid: next.kid, alg: 'RS256', publicKey: next.publicKey });
      currentRsa = next;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets (e.g. from fetch) would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
  };
}
