import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Issuer of the tokens minted with the development key (`npm run token`). */
export const DEV_ISSUER = 'profile-service-dev';

export type DatabaseConfig =
  | { kind: 'postgres'; url: string; connectTimeoutMs: number; queryTimeoutMs: number }
  | { kind: 'embedded'; dataDir: string; connectTimeoutMs: number; queryTimeoutMs: number };

interface AuthCommon {
  issuer: string;
  audience: string | undefined;
  resourceOwnerClaim: string;
  defaultResourceOwner: string;
}

export type AuthConfig =
  | (AuthCommon & { mode: 'development'; dataDir: string })
  | (AuthCommon & { mode: 'jwks'; jwksUri: string })
  | (AuthCommon & { mode: 'public-key'; publicKeyPem: string });

export interface AppConfig {
  production: boolean;
  port: number;
  grpcPort: number;
  dataDir: string;
  database: DatabaseConfig;
  auth: AuthConfig;
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
  if (problems.length > 0 || auth === undefined) throw new ConfigError(problems);
  return { production, port, grpcPort, dataDir, database, auth };
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
  const common = {
    audience: nonEmpty(env.AUTH_AUDIENCE),
    resourceOwnerClaim:
      nonEmpty(env.AUTH_RESOURCE_OWNER_CLAIM) ?? 'urn:zitadel:iam:user:resourceowner:id',
    defaultResourceOwner: nonEmpty(env.DEFAULT_RESOURCE_OWNER) ?? 'default',
  };

  if (issuer === undefined && jwksUri === undefined && publicKey === undefined) {
    if (!production) return { ...common, mode: 'development', issuer: DEV_ISSUER, dataDir };
    problems.push(
      'AUTH_ISSUER is required when NODE_ENV=production (the expected `iss` of access tokens)',
      'AUTH_JWKS_URI or AUTH_PUBLIC_KEY is required when NODE_ENV=production (the keys that sign access tokens)',
    );
    return undefined;
  }
  if (issuer === undefined)
    problems.push('AUTH_ISSUER is required with AUTH_JWKS_URI or AUTH_PUBLIC_KEY');
  if (jwksUri !== undefined && publicKey !== undefined) {
    problems.push('set only one of AUTH_JWKS_URI and AUTH_PUBLIC_KEY');
  }
  if (jwksUri === undefined && publicKey === undefined) {
    problems.push('AUTH_JWKS_URI or AUTH_PUBLIC_KEY is required with AUTH_ISSUER');
  }
  if (jwksUri !== undefined && !/^https?:\/\//.test(jwksUri)) {
    problems.push('AUTH_JWKS_URI must be an http:// or https:// URL');
  }
  const publicKeyPem = publicKey === undefined ? undefined : readPublicKey(publicKey, problems);
  if (problems.length > 0 || issuer === undefined) return undefined;
  if (jwksUri !== undefined) return { ...common, mode: 'jwks', issuer, jwksUri };
  if (publicKeyPem !== undefined) return { ...common, mode: 'public-key', issuer, publicKeyPem };
  return undefined;
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
