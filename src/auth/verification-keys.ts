import { KeyObject } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type ProtectedHeaderParameters,
} from 'jose';
import { type SecretOrKeyProvider } from 'passport-jwt';

/**
 * jsonwebtoken takes a KeyObject as well as a PEM, and a PEM would be parsed again for every
 * token (most of a token check's time); @types/passport-jwt only lists string | Buffer.
 */
function asVerificationKey(key: KeyObject): string {
  return key as unknown as string;
}

/** The keys cannot be fetched (network, timeout, bad answer): not the caller's fault. */
export class KeySourceUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`cannot fetch the JWKS: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'KeySourceUnavailableError';
  }
}

/** Finds the key that verifies a token with this header. */
export type KeyResolver = (header: ProtectedHeaderParameters) => Promise<KeyObject>;

/**
 * passport-jwt's key lookup, with the header checks jsonwebtoken leaves out: the algorithm must
 * be one of `algorithms` (before any key is looked up), and a `crit` header is refused, since no
 * extension is understood here (RFC 7515 §4.1.11: the recipient MUST reject it).
 */
export function checkedKeyProvider(
  algorithms: readonly string[],
  resolve: KeyResolver,
): SecretOrKeyProvider {
  return (_request, rawJwtToken, done) => {
    let header: ProtectedHeaderParameters;
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
    if (header.crit !== undefined) {
      done(new Error('critical header parameters are not supported'), undefined);
      return;
    }
    resolve(header).then(
      (key) => done(null, asVerificationKey(key)),
      (error: unknown) => done(error, undefined),
    );
  };
}

/** One key for every token (AUTH_PUBLIC_KEY, development mode). */
export function staticKey(key: KeyObject): KeyResolver {
  return () => Promise.resolve(key);
}

export interface JwksOptions {
  /** Keys are kept this long before the JWKS is fetched again. */
  cacheMaxAgeMs?: number;
  /** At most one refetch per this period for tokens with an unknown `kid`. */
  cooldownMs?: number;
  timeoutMs?: number;
}

/**
 * Keys of a remote JWKS through jose (https://github.com/panva/jose): cached, fetched again when
 * a token names an unknown `kid` (key rotation), rate limited by the cooldown.
 */
export function jwksKeys(jwksUri: string, options: JwksOptions = {}): KeyResolver {
  const jwks = createRemoteJWKSet(new URL(jwksUri), {
    cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
    cooldownDuration: options.cooldownMs ?? 1000,
    timeoutDuration: options.timeoutMs ?? 5000,
  });
  // jsonwebtoken (under passport-jwt) takes a KeyObject; convert each cached CryptoKey once.
  const keyObjects = new WeakMap<object, KeyObject>();
  return async (header) => {
    let key;
    try {
      key = await jwks(header);
    } catch (error) {
      const tokenProblem =
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys ||
        error instanceof errors.JOSENotSupported;
      throw tokenProblem ? error : new KeySourceUnavailableError(error);
    }
    let keyObject = keyObjects.get(key);
    if (keyObject === undefined) {
      keyObject = KeyObject.from(key);
      keyObjects.set(key, keyObject);
    }
    return keyObject;
  };
}
