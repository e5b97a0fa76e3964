// The issuer's signing keys, fetched from its JWKS URL with bounds (contract section 4).
//
// Why not jose's createRemoteJWKSet alone (read in jose 6.2): it reads the whole answer
// (`response.json()`, so a 200 MB answer is buffered); its cooldown runs from the last
// *successful* fetch, so while the endpoint fails every token with an unknown `kid` fetches again;
// and once its cache is older than `cacheMaxAge`, a failed refresh fails every token, known keys
// included. Its `customFetch` could bound the size, but not the other two. So the fetching and its
// timing live here, and the key selection (kid, alg, kty, use, key_ops) stays jose's
// createLocalJWKSet.
import { Logger } from '@nestjs/common';
import {
  createLocalJWKSet,
  type CryptoKey,
  errors,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from 'jose';
import { boundedFetch } from './bounded-fetch.js';

export interface RemoteJwksOptions {
  /** Bound on one fetch, from connecting to the last byte. */
  timeoutMs?: number;
  /** A longer answer is not used. */
  maxBytes?: number;
  /** Keys this old are fetched again, in the background: the known ones serve meanwhile. */
  maxAgeMs?: number;
  /** After a successful fetch, a token with an unknown `kid` fetches again at most this often. */
  cooldownMs?: number;
  /** After a failed fetch, nothing is fetched for this long, whatever comes in. */
  failureCooldownMs?: number;
  /** Milliseconds; tests move it instead of waiting. */
  now?: () => number;
}

export const JWKS_DEFAULTS = {
  timeoutMs: 5000,
  maxBytes: 1024 * 1024,
  maxAgeMs: 10 * 60_000,
  cooldownMs: 1000,
  failureCooldownMs: 5000,
} as const;

type LocalKeys = ReturnType<typeof createLocalJWKSet>;

/** The JWKS cannot be fetched or used (network, timeout, status, size, not a JWKS). */
export class JwksFetchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JwksFetchError';
  }
}

export class RemoteJwks {
  private readonly options: Required<RemoteJwksOptions>;
  private readonly logger = new Logger('Auth');
  private keys: LocalKeys | undefined;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  /** When the last fetch ended, and how, for the cooldowns. */
  private settledAt = Number.NEGATIVE_INFINITY;
  private lastError: Error | undefined;
  private inflight: Promise<void> | undefined;
  private fetches = 0;

  constructor(
    private readonly url: URL,
    options: RemoteJwksOptions = {},
  ) {
    this.options = { ...JWKS_DEFAULTS, now: () => Date.now(), ...options };
  }

  /**
   * Counts the key sets fetched: it changes whenever the keys may have (a key removed from the
   * JWKS, say), so that what was verified with the keys before can be verified again.
   */
  get generation(): number {
    return this.fetches;
  }

  /**
   * The key for a token with this header. Throws jose's JWKSNoMatchingKey (or
   * JWKSMultipleMatchingKeys, JOSENotSupported) when the key set, as fresh as the cooldowns allow,
   * has no such key: the token's problem. Throws a JwksFetchError when the key is not known and
   * the JWKS cannot be had: not the caller's fault.
   */
  async getKey(header: JWSHeaderParameters): Promise<CryptoKey> {
    const now = this.options.now();
    if (this.keys !== undefined && now - this.fetchedAt >= this.options.maxAgeMs) {
      if (this.mayFetch(now)) void this.refresh();
    }
    const known = await this.find(header);
    if (known !== undefined) return known;
    // Not known: a (shared) fetch may bring it, when one is running or allowed.
    if (this.inflight !== undefined || this.mayFetch(now)) {
      await this.refresh();
      const fetched = await this.find(header);
      if (fetched !== undefined) return fetched;
    }
    if (this.lastError !== undefined) {
      throw new JwksFetchError(this.lastError.message, { cause: this.lastError });
    }
    throw new errors.JWKSNoMatchingKey();
  }

  private mayFetch(now: number): boolean {
    const wait =
      this.lastError === undefined ? this.options.cooldownMs : this.options.failureCooldownMs;
    return now - this.settledAt >= wait;
  }

  /** The matching key of the current set, or undefined when it has none. */
  private async find(header: JWSHeaderParameters): Promise<CryptoKey | undefined> {
    if (this.keys === undefined) return undefined;
    try {
      return await this.keys(header);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) return undefined;
      throw error;
    }
  }

  /** One fetch at a time; it never rejects: the outcome is in `keys` and `lastError`. */
  private refresh(): Promise<void> {
    this.inflight ??= this.fetchKeys()
      .then(
        (keys) => {
          this.keys = keys;
          this.fetches += 1;
          this.fetchedAt = this.options.now();
          this.lastError = undefined;
        },
        (error: unknown) => {
          this.lastError = error instanceof Error ? error : new Error(String(error));
          this.logger.warn(`cannot fetch the JWKS: ${this.lastError.message}`);
        },
      )
      .finally(() => {
        this.settledAt = this.options.now();
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async fetchKeys(): Promise<LocalKeys> {
    const response = await boundedFetch(
      this.url,
      { headers: { accept: 'application/json, application/jwk-set+json' } },
      { timeoutMs: this.options.timeoutMs, maxBytes: this.options.maxBytes },
    );
    if (response.status !== 200) {
      throw new JwksFetchError(`the JWKS endpoint answered HTTP ${response.status}`);
    }
    let json: unknown;
    try {
      json = await response.json();
    } catch {
      throw new JwksFetchError('the JWKS endpoint answered something that is not JSON');
    }
    try {
      return createLocalJWKSet(json as JSONWebKeySet);
    } catch {
      throw new JwksFetchError('the JWKS endpoint answered JSON that is not a JWKS');
    }
  }
}
