import { createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Issuer of the tokens minted with the development key (`npm run token`). */
export const DEV_ISSUER = 'profile-service-dev';

export type DatabaseConfig =
  | { kind: 'postgres'; url: string; connectTimeoutMs: number; queryTimeoutMs: number }
  | { kind: 'embedded'; dataDir: string; connectTimeoutMs: number; queryTimeoutMs: number };

/** How the service authenticates itself to the introspection endpoint. */
export type IntrospectionClientAuth =
  | { method: 'client_secret_basic'; clientId: string; clientSecret: string }
  | {
      method: 'private_key_jwt';
      clientId: string;
      keyId: string;
      /** PKCS#8 PEM of the RSA key of the key file. */
      privateKeyPem: string;
    };

/** RFC 7662 token introspection, for bearer tokens that are not JWTs. */
export interface IntrospectionConfig {
  url: string;
  clientAuth: IntrospectionClientAuth;
  /** Longest reuse of an active answer, in seconds (0: none). */
  cacheSeconds: number;
}

interface AuthCommon {
  issuer: string;
  audience: string | undefined;
  resourceOwnerClaim: string;
  defaultResourceOwner: string;
  /** Set: tokens that are not JWTs (every token, in the `introspection` mode) are introspected. */
  introspection?: IntrospectionConfig | undefined;
}

export type AuthConfig =
  | (AuthCommon & { mode: 'development'; dataDir: string })
  | (AuthCommon & { mode: 'jwks'; jwksUri: string })
  | (AuthCommon & { mode: 'public-key'; publicKeyPem: string })
  /** AUTH_INTROSPECTION_URL without keys: every token is introspected. */
  | (AuthCommon & { mode: 'introspection'; introspection: IntrospectionConfig });

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AppConfig {
  production: boolean;
  port: number;
  grpcPort: number;
  dataDir: string;
  database: DatabaseConfig;
  auth: AuthConfig;
  /** Longest drain of in-flight calls after SIGTERM/SIGINT. */
  shutdownTimeoutMs: number;
  /** Calls per subject (or client address without a valid token) per minute; 0 = no limit. */
  rateLimitPerMinute: number;
  logLevel: LogLevel;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Every missing or wrong setting, listed in one message. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the settings of contract section 6 once, at boot. Code reads the returned
 * object, never process.env.
 */
export function loadConfig(env: Env): AppConfig {
  const problems: string[] = [];
  const production = env.NODE_ENV === 'production';
  const port = readPort(env, 'PORT', 8080, problems);
  const grpcPort = readPort(env, 'GRPC_PORT', 50051, problems);
  if (port === grpcPort) problems.push(`PORT and GRPC_PORT must differ (both are ${port})`);
  const dataDir = resolve(nonEmpty(env.DATA_DIR) ?? './.data');
  const database = readDatabase(env, dataDir, problems);
  const auth = readAuth(env, production, dataDir, problems);
  const shutdownTimeoutMs = readInt(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000, problems);
  const rateLimitPerMinute = readInt(env, 'RATE_LIMIT_PER_MINUTE', 0, 0, 1_000_000, problems);
  const logLevel = readLogLevel(env, problems);
  if (problems.length > 0 || auth === undefined) throw new ConfigError(problems);
  return {
    production,
    port,
    grpcPort,
    dataDir,
    database,
    auth,
    shutdownTimeoutMs,
    rateLimitPerMinute,
    logLevel,
  };
}

/** The database settings alone (the migration CLI needs no auth settings). */
export function loadDatabaseConfig(env: Env): DatabaseConfig {
  const problems: string[] = [];
  const database = readDatabase(env, resolve(nonEmpty(env.DATA_DIR) ?? './.data'), problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return database;
}

function readDatabase(env: Env, dataDir: string, problems: string[]): DatabaseConfig {
  const connectTimeoutMs = readInt(env, 'DATABASE_CONNECT_TIMEOUT_MS', 5000, 1, 600_000, problems);
  const queryTimeoutMs = readInt(env, 'DATABASE_QUERY_TIMEOUT_MS', 10_000, 1, 3_600_000, problems);
  const url = nonEmpty(env.DATABASE_URL);
  if (url === undefined) return { kind: 'embedded', dataDir, connectTimeoutMs, queryTimeoutMs };
  if (!/^postgres(ql)?:\/\//.test(url) || !URL.canParse(url)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  return { kind: 'postgres', url, connectTimeoutMs, queryTimeoutMs };
}

function readAuth(
  env: Env,
  production: boolean,
  dataDir: string,
  problems: string[],
): AuthConfig | undefined {
  const issuer = nonEmpty(env.AUTH_ISSUER);
  const jwksUri = nonEmpty(env.AUTH_JWKS_URI);
  const publicKey = nonEmpty(env.AUTH_PUBLIC_KEY);
  const introspectionUrl = nonEmpty(env.AUTH_INTROSPECTION_URL);
  const common = {
    audience: nonEmpty(env.AUTH_AUDIENCE),
    resourceOwnerClaim:
      nonEmpty(env.AUTH_RESOURCE_OWNER_CLAIM) ?? 'urn:zitadel:iam:user:resourceowner:id',
    defaultResourceOwner: nonEmpty(env.DEFAULT_RESOURCE_OWNER) ?? 'default',
  };
  const introspection =
    introspectionUrl === undefined
      ? refuseStrayIntrospectionSettings(env, problems)
      : readIntrospection(env, introspectionUrl, problems);

  if (
    issuer === undefined &&
    jwksUri === undefined &&
    publicKey === undefined &&
    introspectionUrl === undefined
  ) {
    if (!production) {
      if (problems.length > 0) return undefined;
      return { ...common, mode: 'development', issuer: DEV_ISSUER, dataDir };
    }
    problems.push(
      'AUTH_ISSUER is required when NODE_ENV=production (the expected `iss` of access tokens)',
      'AUTH_JWKS_URI or AUTH_PUBLIC_KEY is required when NODE_ENV=production (the keys that sign access tokens), or AUTH_INTROSPECTION_URL to introspect every token',
    );
    return undefined;
  }
  if (issuer === undefined) {
    const given = [
      ...(jwksUri === undefined ? [] : ['AUTH_JWKS_URI']),
      ...(publicKey === undefined ? [] : ['AUTH_PUBLIC_KEY']),
      ...(introspectionUrl === undefined ? [] : ['AUTH_INTROSPECTION_URL']),
    ];
    problems.push(
      `AUTH_ISSUER is required with ${given.join(' and ')}` +
        (introspectionUrl === undefined
          ? ''
          : ' (the expected `iss` of introspection answers and the `aud` of the client assertion)'),
    );
  }
  if (jwksUri !== undefined && publicKey !== undefined) {
    problems.push('set only one of AUTH_JWKS_URI and AUTH_PUBLIC_KEY');
  }
  if (jwksUri === undefined && publicKey === undefined && introspectionUrl === undefined) {
    problems.push(
      'AUTH_JWKS_URI or AUTH_PUBLIC_KEY is required with AUTH_ISSUER (or AUTH_INTROSPECTION_URL, to introspect every token)',
    );
  }
  if (jwksUri !== undefined && !isHttpUrl(jwksUri)) {
    problems.push('AUTH_JWKS_URI must be an http:// or https:// URL');
  }
  const publicKeyPem = publicKey === undefined ? undefined : readPublicKey(publicKey, problems);
  if (problems.length > 0 || issuer === undefined) return undefined;
  const withIntrospection = { ...common, issuer, introspection };
  if (jwksUri !== undefined) return { ...withIntrospection, mode: 'jwks', jwksUri };
  if (publicKeyPem !== undefined) {
    return { ...withIntrospection, mode: 'public-key', publicKeyPem };
  }
  if (introspection !== undefined) {
    return { ...withIntrospection, mode: 'introspection', introspection };
  }
  return undefined;
}

const INTROSPECTION_SETTINGS = [
  'AUTH_INTROSPECTION_CLIENT_ID',
  'AUTH_INTROSPECTION_CLIENT_SECRET',
  'AUTH_INTROSPECTION_KEY_FILE',
  'AUTH_INTROSPECTION_CACHE_S',
] as const;

/** Credentials without an endpoint are a mistake to report, not to ignore. */
function refuseStrayIntrospectionSettings(env: Env, problems: string[]): undefined {
  const stray = INTROSPECTION_SETTINGS.filter((name) => nonEmpty(env[name]) !== undefined);
  if (stray.length > 0) problems.push(`${stray.join(', ')} need AUTH_INTROSPECTION_URL`);
  return undefined;
}

function readIntrospection(
  env: Env,
  url: string,
  problems: string[],
): IntrospectionConfig | undefined {
  const before = problems.length;
  if (!isHttpUrl(url)) problems.push('AUTH_INTROSPECTION_URL must be an http:// or https:// URL');
  const clientId = nonEmpty(env.AUTH_INTROSPECTION_CLIENT_ID);
  // A secret may legitimately start or end with spaces: taken as given.
  const rawSecret = env.AUTH_INTROSPECTION_CLIENT_SECRET;
  const clientSecret = rawSecret === undefined || rawSecret === '' ? undefined : rawSecret;
  const keyFile = nonEmpty(env.AUTH_INTROSPECTION_KEY_FILE);
  const cacheSeconds = readInt(env, 'AUTH_INTROSPECTION_CACHE_S', 60, 0, 86_400, problems);

  let clientAuth: IntrospectionClientAuth | undefined;
  if (clientSecret !== undefined && keyFile !== undefined) {
    problems.push(
      'set only one of AUTH_INTROSPECTION_CLIENT_SECRET and AUTH_INTROSPECTION_KEY_FILE',
    );
  } else if (clientSecret !== undefined) {
    if (clientId === undefined) {
      problems.push(
        'AUTH_INTROSPECTION_CLIENT_ID is required with AUTH_INTROSPECTION_CLIENT_SECRET',
      );
    } else {
      clientAuth = { method: 'client_secret_basic', clientId, clientSecret };
    }
  } else if (keyFile !== undefined) {
    const key = readKeyFile(keyFile, problems);
    if (key !== undefined && clientId !== undefined && clientId !== key.clientId) {
      problems.push(
        `AUTH_INTROSPECTION_CLIENT_ID differs from the clientId of AUTH_INTROSPECTION_KEY_FILE ${keyFile}`,
      );
    } else if (key !== undefined) {
      clientAuth = { method: 'private_key_jwt', ...key };
    }
  } else {
    problems.push(
      'AUTH_INTROSPECTION_CLIENT_ID and AUTH_INTROSPECTION_CLIENT_SECRET, or AUTH_INTROSPECTION_KEY_FILE, are required with AUTH_INTROSPECTION_URL (the service authenticates itself to the endpoint)',
    );
  }
  if (problems.length > before || clientAuth === undefined) return undefined;
  return { url, clientAuth, cacheSeconds };
}

/**
 * A ZITADEL key file of an API application with the "JWT" (private_key_jwt) auth method:
 * `{"type":"application","keyId","key","appId","clientId"}`, `key` a PEM RSA private key
 * (https://zitadel.com/docs/apis/openidoauth/authn-methods).
 */
function readKeyFile(
  path: string,
  problems: string[],
): { clientId: string; keyId: string; privateKeyPem: string } | undefined {
  const name = `AUTH_INTROSPECTION_KEY_FILE ${path}`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`${name} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch {
    problems.push(`${name} is not JSON`);
    return undefined;
  }
  const fields = (typeof file === 'object' && file !== null ? file : {}) as Record<string, unknown>;
  const wrong = [
    fields.type === 'application' ? undefined : '"type" must be "application"',
    isNonEmptyString(fields.keyId) ? undefined : '"keyId" is missing',
    isNonEmptyString(fields.clientId) ? undefined : '"clientId" is missing',
  ].filter((problem) => problem !== undefined);
  let privateKeyPem: string | undefined;
  try {
    const key = createPrivateKey(String(fields.key));
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not an RSA key');
    privateKeyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  } catch {
    wrong.push('"key" is not a PEM RSA private key');
  }
  if (wrong.length > 0 || privateKeyPem === undefined) {
    problems.push(`${name} is not a ZITADEL application key file: ${wrong.join(', ')}`);
    return undefined;
  }
  return { clientId: fields.clientId as string, keyId: fields.keyId as string, privateKeyPem };
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function isHttpUrl(value: string): boolean {
  return /^https?:\/\//.test(value) && URL.canParse(value);
}

/** A PEM given inline (newlines may be written as `\n`) or the path of a PEM file. */
function readPublicKey(value: string, problems: string[]): string | undefined {
  let pem = value.replace(/\\n/g, '\n');
  if (!pem.includes('-----BEGIN')) {
    if (!existsSync(pem)) {
      problems.push('AUTH_PUBLIC_KEY must be a PEM public key or the path of a PEM file');
      return undefined;
    }
    pem = readFileSync(pem, 'utf8');
  }
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType === undefined) throw new Error('not an asymmetric key');
    return key.export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    problems.push('AUTH_PUBLIC_KEY is not a readable PEM public key (RSA or EC)');
    return undefined;
  }
}

function readLogLevel(env: Env, problems: string[]): LogLevel {
  const raw = nonEmpty(env.LOG_LEVEL)?.toLowerCase();
  if (raw === undefined) return 'info';
  if ((LOG_LEVELS as readonly string[]).includes(raw)) return raw as LogLevel;
  problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${raw}")`);
  return 'info';
}

function readPort(env: Env, name: string, fallback: number, problems: string[]): number {
  return readInt(env, name, fallback, 0, 65535, problems);
}

function readInt(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    return fallback;
  }
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
