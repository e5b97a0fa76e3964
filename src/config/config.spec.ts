import { generateKeyPairSync } from 'node:crypto';
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
