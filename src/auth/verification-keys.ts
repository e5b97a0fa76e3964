import { KeyObject } from 'node:crypto';
import { decodeProtectedHeader, type ProtectedHeaderParameters } from 'jose';
import { type SecretOrKeyProvider } from 'passport-jwt';
import { AuthSourceUnavailableError } from './auth.errors.js';
import { JwksFetchError, RemoteJwks, type RemoteJwksOptions } from './remote-jwks.js';

/**
 * jsonwebtoken takes a KeyObject as well as a PEM, and a PEM would be parsed again for every
 * token (most of a token check's time); @types/passport-jwt only lists string | Buffer.
 */
function asVerificationKey(key: KeyObject): string {
  return key as unknown as string;
}

/** The keys cannot be fetched (network, timeout, bad answer): not the caller's fault. */
export class KeySourceUnavailableError extends AuthSourceUnavailableError {
  constructor(cause: unknown) {
    super('cannot fetch the JWKS', cause);
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

/**
 * The keys tokens are verified with: the lookup, and a number that changes whenever the set of
 * keys may have changed (a refreshed JWKS), so that a cache of verified tokens can drop what an
 * older set verified.
 */
export interface VerificationKeys {
  resolve: KeyResolver;
  generation(): number;
}

/** One key for every token (AUTH_PUBLIC_KEY, development mode). */
export function staticKey(key: KeyObject): VerificationKeys {
  return { resolve: () => Promise.resolve(key), generation: () => 0 };
}

/**
 * Keys of a remote JWKS (RemoteJwks: bounded fetches, cached, fetched again for an unknown `kid`
 * after a cooldown, not retried for a while after a failure).
 */
export function jwksKeys(jwksUri: string, options: RemoteJwksOptions = {}): VerificationKeys {
  const jwks = new RemoteJwks(new URL(jwksUri), options);
  // jsonwebtoken (under passport-jwt) takes a KeyObject; convert each cached CryptoKey once.
  const keyObjects = new WeakMap<object, KeyObject>();
  const resolve: KeyResolver = async (header) => {
    let key;
    try {
      key = await jwks.getKey(header);
    } catch (error) {
      throw error instanceof JwksFetchError ? new KeySourceUnavailableError(error) : error;
    }
    let keyObject = keyObjects.get(key);
    if (keyObject === undefined) {
      keyObject = KeyObject.from(key);
      keyObjects.set(key, keyObject);
    }
    return keyObject;
  };
  return { resolve, generation: () => jwks.generation };
}

/** No key verifies anything: every token is introspected (AUTH_INTROSPECTION_URL alone). */
export function noKeys(): VerificationKeys {
  return {
    resolve: () => Promise.reject(new Error('no signing keys are configured')),
    generation: () => 0,
  };
}
