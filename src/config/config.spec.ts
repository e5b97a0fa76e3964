import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEV_ISSUER, loadConfig } from './config.js';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults to development mode on the embedded database', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.grpcPort).toBe(50051);
    expect(config.database.kind).toBe('embedded');
    expect(config.auth).toMatchObject({
      mode: 'development',
      issuer: DEV_ISSUER,
      resourceOwnerClaim: 'urn:zitadel:iam:user:resourceowner:id',
      defaultResourceOwner: 'default',
    });
  });

  it('refuses production without auth settings, naming what is missing', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems.join('\n')).toMatch(/AUTH_ISSUER is required/);
    expect(problems.join('\n')).toMatch(/AUTH_JWKS_URI or AUTH_PUBLIC_KEY is required/);
  });

  it('lists every wrong setting at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      GRPC_PORT: '70000',
      DATABASE_URL: 'mysql://x',
      AUTH_JWKS_URI: 'ftp://keys',
      AUTH_PUBLIC_KEY: 'not a key',
    });
    expect(problems).toHaveLength(7);
    expect(problems.join('\n')).toMatch(/PORT must be/);
    expect(problems.join('\n')).toMatch(/GRPC_PORT must be/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL/);
    expect(problems.join('\n')).toMatch(/AUTH_ISSUER is required/);
    expect(problems.join('\n')).toMatch(/only one of/);
  });

  it('reads LOG_LEVEL: info by default, any of the six levels in any case, nothing else', () => {
    expect(loadConfig({}).logLevel).toBe('info');
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace']) {
      expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
    }
    expect(loadConfig({ LOG_LEVEL: ' WARN ' }).logLevel).toBe('warn');
    expect(loadConfig({ LOG_LEVEL: '' }).logLevel).toBe('info');
    expect(problemsOf({ LOG_LEVEL: 'verbose' })).toEqual([
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace (got "verbose")',
    ]);
    expect(problemsOf({ LOG_LEVEL: 'silent' })).toHaveLength(1);
  });

  it('reads a JWKS or a PEM key configuration', () => {
    const jwks = loadConfig({
      NODE_ENV: 'production',
      AUTH_ISSUER: 'https://idp',
      AUTH_JWKS_URI: 'https://idp/keys',
      AUTH_AUDIENCE: 'api',
      DATABASE_URL: 'postgres://localhost/db',
    });
    expect(jwks.auth).toMatchObject({ mode: 'jwks', issuer: 'https://idp', audience: 'api' });
    expect(jwks.database.kind).toBe('postgres');

    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const keyed = loadConfig({
      AUTH_ISSUER: 'https://idp',
      AUTH_PUBLIC_KEY: pem.replace(/\n/g, '\\n'),
    });
    expect(keyed.auth).toMatchObject({ mode: 'public-key', publicKeyPem: pem });
  });
});

describe('loadConfig: token introspection (AUTH_INTROSPECTION_*)', () => {
  let dir: string;
  const { privateKey: rsaKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // ZITADEL writes PKCS#1 ("BEGIN RSA PRIVATE KEY").
  const pkcs1 = rsaKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const keyFile = (content: unknown, name = 'key.json'): string => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const zitadelKey = {
    type: 'application',
    keyId: '81693565968962154',
    key: pkcs1,
    appId: '78366403256846242',
    clientId: '78366401571920522@acme',
  };
  const base = {
    NODE_ENV: 'production',
    AUTH_ISSUER: 'https://idp.example',
    AUTH_INTROSPECTION_URL: 'https://idp.example/oauth/v2/introspect',
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'profile-config-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('introspects every token with AUTH_INTROSPECTION_URL alone, with client_secret_basic', () => {
    const config = loadConfig({
      ...base,
      AUTH_INTROSPECTION_CLIENT_ID: 'profile-api',
      AUTH_INTROSPECTION_CLIENT_SECRET: ' s3cret ',
    });
    expect(config.auth).toMatchObject({
      mode: 'introspection',
      issuer: 'https://idp.example',
      introspection: {
        url: 'https://idp.example/oauth/v2/introspect',
        // A secret is taken as given, spaces included.
        clientAuth: {
          method: 'client_secret_basic',
          clientId: 'profile-api',
          clientSecret: ' s3cret ',
        },
        cacheSeconds: 60,
      },
    });
  });

  it('reads a ZITADEL key file for private_key_jwt, beside a JWKS', () => {
    const config = loadConfig({
      ...base,
      AUTH_JWKS_URI: 'https://idp.example/oauth/v2/keys',
      AUTH_INTROSPECTION_KEY_FILE: keyFile(zitadelKey),
      AUTH_INTROSPECTION_CACHE_S: '300',
    });
    expect(config.auth.mode).toBe('jwks');
    const introspection = config.auth.introspection;
    expect(introspection).toMatchObject({
      cacheSeconds: 300,
      clientAuth: {
        method: 'private_key_jwt',
        clientId: '78366401571920522@acme',
        keyId: '81693565968962154',
      },
    });
    const clientAuth = introspection?.clientAuth;
    if (clientAuth?.method !== 'private_key_jwt') throw new Error('expected private_key_jwt');
    // Stored as PKCS#8, the same key.
    expect(clientAuth.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(
      createPrivateKey(clientAuth.privateKeyPem).export({ type: 'pkcs1', format: 'pem' }),
    ).toBe(pkcs1);
    // The client id may be repeated, when it is the key file's.
    expect(
      loadConfig({
        ...base,
        AUTH_INTROSPECTION_KEY_FILE: keyFile(zitadelKey),
        AUTH_INTROSPECTION_CLIENT_ID: zitadelKey.clientId,
      }).auth.introspection?.clientAuth.clientId,
    ).toBe(zitadelKey.clientId);
  });

  it('leaves introspection off without AUTH_INTROSPECTION_URL, and development mode as it was', () => {
    expect(
      loadConfig({ AUTH_ISSUER: 'https://idp', AUTH_JWKS_URI: 'https://idp/keys' }).auth
        .introspection,
    ).toBeUndefined();
    const development = loadConfig({ AUTH_AUDIENCE: 'api' });
    expect(development.auth).toMatchObject({ mode: 'development', audience: 'api' });
    expect(development.auth.introspection).toBeUndefined();
  });

  it.each([
    [
      'a key file that does not exist, naming it',
      () => ({ AUTH_INTROSPECTION_KEY_FILE: join(dir, 'missing.json') }),
      /AUTH_INTROSPECTION_KEY_FILE .*missing\.json cannot be read \(ENOENT\)/,
    ],
    [
      'a key file that is not JSON',
      () => ({ AUTH_INTROSPECTION_KEY_FILE: keyFile('{"type":', 'broken.json') }),
      /AUTH_INTROSPECTION_KEY_FILE .*broken\.json is not JSON/,
    ],
    [
      'a key file of a service account, without keyId',
      () => ({
        AUTH_INTROSPECTION_KEY_FILE: keyFile(
          { ...zitadelKey, type: 'serviceaccount', keyId: undefined },
          'user.json',
        ),
      }),
      /user\.json is not a ZITADEL application key file: "type" must be "application", "keyId" is missing/,
    ],
    [
      'a key file whose key is not a PEM private key',
      () => ({
        AUTH_INTROSPECTION_KEY_FILE: keyFile({ ...zitadelKey, key: 'MIIB...' }, 'garbled.json'),
      }),
      /garbled\.json is not a ZITADEL application key file: "key" is not a PEM RSA private key/,
    ],
    [
      'a key file with an EC key (RS256 needs RSA)',
      () => ({
        AUTH_INTROSPECTION_KEY_FILE: keyFile(
          {
            ...zitadelKey,
            key: generateKeyPairSync('ec', { namedCurve: 'P-256' })
              .privateKey.export({ type: 'pkcs8', format: 'pem' })
              .toString(),
          },
          'ec.json',
        ),
      }),
      /ec\.json is not a ZITADEL application key file: "key" is not a PEM RSA private key/,
    ],
    [
      'a client id that is not the key file’s',
      () => ({
        AUTH_INTROSPECTION_KEY_FILE: keyFile(zitadelKey),
        AUTH_INTROSPECTION_CLIENT_ID: 'someone-else',
      }),
      /AUTH_INTROSPECTION_CLIENT_ID differs from the clientId of AUTH_INTROSPECTION_KEY_FILE/,
    ],
    [
      'a URL that is not http(s)',
      () => ({
        AUTH_INTROSPECTION_URL: 'ftp://idp.example/introspect',
        AUTH_INTROSPECTION_CLIENT_ID: 'a',
        AUTH_INTROSPECTION_CLIENT_SECRET: 'b',
      }),
      /AUTH_INTROSPECTION_URL must be an http:\/\/ or https:\/\/ URL/,
    ],
    [
      'a client secret without a client id',
      () => ({ AUTH_INTROSPECTION_CLIENT_SECRET: 'b' }),
      /AUTH_INTROSPECTION_CLIENT_ID is required with AUTH_INTROSPECTION_CLIENT_SECRET/,
    ],
    [
      'both a client secret and a key file',
      () => ({
        AUTH_INTROSPECTION_CLIENT_ID: 'a',
        AUTH_INTROSPECTION_CLIENT_SECRET: 'b',
        AUTH_INTROSPECTION_KEY_FILE: keyFile(zitadelKey),
      }),
      /set only one of AUTH_INTROSPECTION_CLIENT_SECRET and AUTH_INTROSPECTION_KEY_FILE/,
    ],
    [
      'no credentials at all',
      () => ({ AUTH_INTROSPECTION_CLIENT_ID: 'a' }),
      /AUTH_INTROSPECTION_CLIENT_ID and AUTH_INTROSPECTION_CLIENT_SECRET, or AUTH_INTROSPECTION_KEY_FILE, are required with AUTH_INTROSPECTION_URL/,
    ],
    [
      'a cache time that is not a whole number of seconds',
      () => ({
        AUTH_INTROSPECTION_CLIENT_ID: 'a',
        AUTH_INTROSPECTION_CLIENT_SECRET: 'b',
        AUTH_INTROSPECTION_CACHE_S: '1.5',
      }),
      /AUTH_INTROSPECTION_CACHE_S must be a whole number from 0 to 86400/,
    ],
  ])('refuses %s', (_, settings, problem) => {
    const problems = problemsOf({ ...base, ...settings() });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it('requires AUTH_ISSUER with introspection (the expected iss, the assertion’s aud)', () => {
    const problems = problemsOf({
      AUTH_INTROSPECTION_URL: 'https://idp.example/oauth/v2/introspect',
      AUTH_INTROSPECTION_CLIENT_ID: 'a',
      AUTH_INTROSPECTION_CLIENT_SECRET: 'b',
    });
    expect(problems).toEqual([
      'AUTH_ISSUER is required with AUTH_INTROSPECTION_URL (the expected `iss` of introspection answers and the `aud` of the client assertion)',
    ]);
  });

  it('refuses introspection settings without AUTH_INTROSPECTION_URL, even in development', () => {
    expect(
      problemsOf({ AUTH_INTROSPECTION_CLIENT_SECRET: 'b', AUTH_INTROSPECTION_CACHE_S: '5' }),
    ).toEqual([
      'AUTH_INTROSPECTION_CLIENT_SECRET, AUTH_INTROSPECTION_CACHE_S need AUTH_INTROSPECTION_URL',
    ]);
  });

  it('names every problem at once, and never the secret', () => {
    let message = '';
    try {
      loadConfig({
        NODE_ENV: 'production',
        AUTH_INTROSPECTION_URL: 'idp.example/introspect',
        AUTH_INTROSPECTION_CLIENT_SECRET: 'very-secret-value',
        AUTH_INTROSPECTION_KEY_FILE: join(dir, 'nowhere.json'),
        PORT: 'x',
      });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as ConfigError).message;
      expect((error as ConfigError).problems).toHaveLength(4);
    }
    expect(message).toMatch(/PORT must be/);
    expect(message).toMatch(/AUTH_INTROSPECTION_URL must be an http/);
    expect(message).toMatch(/set only one of AUTH_INTROSPECTION_CLIENT_SECRET/);
    expect(message).toMatch(/AUTH_ISSUER is required with AUTH_INTROSPECTION_URL/);
    expect(message).not.toContain('very-secret-value');
  });

  it('still refuses production without any auth settings', () => {
    expect(problemsOf({ NODE_ENV: 'production' }).join('\n')).toMatch(
      /AUTH_JWKS_URI or AUTH_PUBLIC_KEY is required when NODE_ENV=production .*or AUTH_INTROSPECTION_URL/,
    );
  });
});
