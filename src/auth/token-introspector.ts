import { createHash } from 'node:crypto';
import { importPKCS8 } from 'jose';
import { LRUCache } from 'lru-cache';
import * as oauth from 'oauth4webapi';
import { type IntrospectionClientAuth, type IntrospectionConfig } from '../config/config.js';
import { AuthSourceUnavailableError } from './auth.errors.js';
import { boundedFetch } from './bounded-fetch.js';
import { type Caller } from './caller.js';
import { callerFromClaims, type ClaimRules, InvalidClaimsError } from './token-claims.js';

/** Bound on one introspection, from connecting to the last byte (contract section 4: 5 s). */
export const INTROSPECTION_TIMEOUT_MS = 5000;
/** An introspection answer is a few hundred bytes; a longer one than this is not read. */
export const INTROSPECTION_MAX_BYTES = 64 * 1024;
/** Longest reuse of an answer that refuses the token (contract section 4). */
export const INACTIVE_CACHE_SECONDS = 10;
/** Distinct tokens remembered; the least recently used go first. */
const CACHE_ENTRIES = 10_000;

/** The endpoint is down, slow, refuses our credentials or answers nonsense: not the caller's fault. */
export class IntrospectionUnavailableError extends AuthSourceUnavailableError {
  constructor(cause: unknown) {
    super('cannot introspect the token', cause);
  }
}

/** What an introspection told: a caller (until a time), or why the token is refused. */
type Outcome = { caller: Caller; expiresAtMs: number } | { refused: string };

export interface TokenIntrospectorOptions {
  /** Milliseconds; tests move it instead of waiting. */
  now?: () => number;
  /** Bound on one introspection; INTROSPECTION_TIMEOUT_MS unless a test needs it shorter. */
  timeoutMs?: number;
}

/**
 * OAuth 2.0 Token Introspection (RFC 7662) of opaque access tokens, with oauth4webapi as the
 * client: `client_secret_basic` or `private_key_jwt` (the assertion's `aud` is the issuer, as
 * ZITADEL wants). Answers are cached by the token's SHA-256 (the raw token is never a key, nor
 * logged), and concurrent checks of one new token share one request.
 */
export class TokenIntrospector {
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly as: oauth.AuthorizationServer;
  private readonly client: oauth.Client;
  private readonly http: boolean;
  private clientAuth: Promise<oauth.ClientAuth> | undefined;
  private readonly cache: LRUCache<string, Outcome>;
  private readonly inflight = new Map<string, Promise<Outcome>>();

  constructor(
    private readonly config: IntrospectionConfig,
    private readonly rules: ClaimRules,
    options: TokenIntrospectorOptions = {},
  ) {
    this.now = options.now ?? (() => Date.now());
    this.timeoutMs = options.timeoutMs ?? INTROSPECTION_TIMEOUT_MS;
    this.as = { issuer: rules.issuer, introspection_endpoint: config.url };
    this.client = { client_id: config.clientAuth.clientId };
    this.http = new URL(config.url).protocol === 'http:';
    this.cache = new LRUCache<string, Outcome>({
      max: CACHE_ENTRIES,
      perf: { now: this.now },
      ttlResolution: 0,
    });
  }

  /** The caller the token names; throws InvalidClaimsError or IntrospectionUnavailableError. */
  async callerFor(token: string): Promise<Caller> {
    const key = createHash('sha256').update(token).digest('base64url');
    const outcome = this.cache.get(key) ?? (await this.introspectOnce(key, token));
    if ('refused' in outcome) throw new InvalidClaimsError(outcome.refused);
    return outcome.caller;
  }

  /** Single flight: callers of a token being introspected wait for the same answer. */
  private introspectOnce(key: string, token: string): Promise<Outcome> {
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.introspect(token)
        .then((outcome) => {
          this.remember(key, outcome);
          return outcome;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  /**
   * An active answer until the token's `exp`, at most AUTH_INTROSPECTION_CACHE_S; a refusal at
   * most 10 s (a token may be activated, or the issuer's state fixed). Failures are not kept.
   */
  private remember(key: string, outcome: Outcome): void {
    const limitMs = this.config.cacheSeconds * 1000;
    const ttl =
      'refused' in outcome
        ? Math.min(limitMs, INACTIVE_CACHE_SECONDS * 1000)
        : Math.min(limitMs, outcome.expiresAtMs - this.now());
    // lru-cache reads a ttl of 0 as "forever".
    if (ttl >= 1) this.cache.set(key, outcome, { ttl: Math.floor(ttl) });
  }

  private async introspect(token: string): Promise<Outcome> {
    let answer: oauth.IntrospectionResponse;
    try {
      const response = await oauth.introspectionRequest(
        this.as,
        this.client,
        await this.authentication(),
        token,
        {
          additionalParameters: { token_type_hint: 'access_token' },
          [oauth.customFetch]: (url, init) =>
            boundedFetch(url, init, {
              timeoutMs: this.timeoutMs,
              maxBytes: INTROSPECTION_MAX_BYTES,
            }),
          // The configuration allows http:// (an issuer inside the cluster); oauth4webapi wants
          // it said out loud.
          ...(this.http ? { [oauth.allowInsecureRequests]: true } : {}),
        },
      );
      // Non-200 (a 401 for our credentials included), not JSON, not an object, `active` not a
      // boolean: all rejected here (https://www.rfc-editor.org/rfc/rfc7662#section-2.2).
      answer = await oauth.processIntrospectionResponse(this.as, this.client, response);
    } catch (error) {
      throw new IntrospectionUnavailableError(error);
    }
    if (answer.active !== true) return { refused: 'the token is not active (introspection)' };
    try {
      const caller = callerFromClaims(answer, this.rules, this.now() / 1000);
      return { caller, expiresAtMs: (answer.exp ?? 0) * 1000 };
    } catch (error) {
      if (error instanceof InvalidClaimsError) {
        return { refused: `${error.message} (introspection)` };
      }
      throw error;
    }
  }

  /** The client authentication; the key file's key is imported once, on first use. */
  private authentication(): Promise<oauth.ClientAuth> {
    this.clientAuth ??= clientAuthentication(this.config.clientAuth);
    return this.clientAuth;
  }
}

async function clientAuthentication(auth: IntrospectionClientAuth): Promise<oauth.ClientAuth> {
  switch (auth.method) {
    case 'client_secret_basic':
      return oauth.ClientSecretBasic(auth.clientSecret);
    case 'private_key_jwt': {
      // ZITADEL checks the assertion's RS256 signature against the key of `kid`.
      const key = await importPKCS8(auth.privateKeyPem, 'RS256');
      return oauth.PrivateKeyJwt({ key, kid: auth.keyId });
    }
  }
}
