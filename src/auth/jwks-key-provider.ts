import { KeyObject } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, errors } from 'jose';
import { type SecretOrKeyProvider } from 'passport-jwt';
import { asVerificationKey } from './verification-key.js';

/** The keys cannot be fetched (network, timeout, bad answer): not the caller's fault. */
export class KeySourceUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`cannot fetch the JWKS: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'KeySourceUnavailableError';
  }
}

export interface JwksOptions {
  /** Keys are kept this long before the JWKS is fetched again. */
  cacheMaxAgeMs?: number;
  /** At most one refetch per this period for tokens with an unknown `kid`. */
  cooldownMs?: number;
  timeoutMs?: number;
}

/**
 * passport-jwt's key lookup over jose's remote JWKS (https://github.com/panva/jose): keys cached,
 * the JWKS fetched again when a token names an unknown `kid` (key rotation), rate limited by the
 * cooldown. Only the algorithms in `algorithms` are looked up at all.
 */
export function jwksKeyProvider(
  jwksUri: string,
  algorithms: readonly string[],
  options: JwksOptions = {},
): SecretOrKeyProvider {
  const jwks = createRemoteJWKSet(new URL(jwksUri), {
    cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
    cooldownDuration: options.cooldownMs ?? 1000,
    timeoutDuration: options.timeoutMs ?? 5000,
  });
  const keyObjects = new WeakMap<object, KeyObject>();
  return (_request, rawJwtToken, done) => {
    let header;
    try {
      header = decodeProtectedHeader(String(rawJwtToken));
    } catch (error) {
      done(error, undefined);
      return;
    }
    if (header.alg === undefined || !algorithms.includes(header.alg)) {
      done(new Error(`algorithm ${String(header.alg)} is not allowed`), undefined);
      return;
    }
    jwks(header).then(
      (key) => {
        // jsonwebtoken (under passport-jwt) takes a KeyObject; convert each cached CryptoKey once.
        let keyObject = keyObjects.get(key);
        if (keyObject === undefined) {
          keyObject = KeyObject.from(key);
          keyObjects.set(key, keyObject);
        }
        done(null, asVerificationKey(keyObject));
      },
      (error: unknown) => {
        const tokenProblem =
          error instanceof errors.JWKSNoMatchingKey ||
          error instanceof errors.JWKSMultipleMatchingKeys ||
          error instanceof errors.JOSENotSupported;
        done(tokenProblem ? error : new KeySourceUnavailableError(error), undefined);
      },
    );
  };
}
