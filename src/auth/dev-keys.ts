import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { DEV_ISSUER } from '../config/config.js';

export interface DevKey {
  privateKeyPem: string;
  publicKeyPem: string;
  kid: string;
}

const KEY_FILE = 'dev-signing-key.pem';

/**
 * The development signing key: made once in DATA_DIR and kept, so that tokens minted with
 * `npm run token` stay valid across restarts. Never used when AUTH_* settings are given.
 */
export function loadOrCreateDevKey(dataDir: string): DevKey {
  const path = join(dataDir, KEY_FILE);
  mkdirSync(dataDir, { recursive: true });
  let privateKeyPem: string;
  try {
    privateKeyPem = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    try {
      // 'wx': if the service and the token command race, the first key written wins.
      writeFileSync(path, pem, { flag: 'wx', mode: 0o600 });
    } catch (raceError) {
      if ((raceError as NodeJS.ErrnoException).code !== 'EEXIST') throw raceError;
    }
    privateKeyPem = readFileSync(path, 'utf8');
  }
  const publicKey: KeyObject = createPublicKey(privateKeyPem);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const kid = createHash('sha256').update(der).digest('base64url').slice(0, 16);
  return { privateKeyPem, publicKeyPem, kid };
}

export interface DevTokenOptions {
  subject: string;
  resourceOwner?: string | undefined;
  resourceOwnerClaim: string;
  audience?: string | undefined;
  ttlSeconds: number;
}

/** An RS256 access token signed with the development key. */
export function mintDevToken(key: DevKey, options: DevTokenOptions): string {
  const payload: Record<string, unknown> = {};
  if (options.resourceOwner !== undefined) {
    payload[options.resourceOwnerClaim] = options.resourceOwner;
  }
  return jwt.sign(payload, key.privateKeyPem, {
    algorithm: 'RS256',
    keyid: key.kid,
    issuer: DEV_ISSUER,
    subject: options.subject,
    expiresIn: options.ttlSeconds,
    ...(options.audience === undefined ? {} : { audience: options.audience }),
  });
}
