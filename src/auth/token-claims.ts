import { type Caller } from './caller.js';

/** Tolerated clock skew, in seconds, for `exp`, `nbf` and `iat` (contract section 4). */
export const CLOCK_TOLERANCE_SECONDS = 10;

/** Longest `sub`, in code points (contract section 4). */
export const MAX_SUBJECT_LENGTH = 255;

/** With the `u` flag a pair is one code point, so only an unpaired surrogate is in Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

/** What a token's claims are held to: the same for a verified JWT and an introspection answer. */
export interface ClaimRules {
  issuer: string;
  /** Must be in `aud` when set. */
  audience: string | undefined;
  resourceOwnerClaim: string;
  defaultResourceOwner: string;
}

/** The claims do not name a caller; the guard reports it as an invalid token. */
export class InvalidClaimsError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidClaimsError';
  }
}

/**
 * The one place that holds claims to contract section 4, for both kinds of token: the payload of
 * a JWT whose signature verified, and the answer of a token introspection (RFC 7662 section 2.2
 * uses the JWT claim names, https://www.rfc-editor.org/rfc/rfc7662#section-2.2). Returns the
 * caller the claims name, or throws an InvalidClaimsError saying why (never with a claim's value,
 * since the reason is logged).
 */
export function callerFromClaims(
  claims: Readonly<Record<string, unknown>>,
  rules: ClaimRules,
  nowSeconds: number = Date.now() / 1000,
): Caller {
  // NumericDate (RFC 7519 section 2) is a JSON number; a string "9999999999" is not one, and
  // JSON.parse turns 1e400 into Infinity, which would never expire.
  for (const name of ['exp', 'nbf', 'iat', 'auth_time']) {
    const value = claims[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new InvalidClaimsError(`${name} is not a number`);
    }
  }
  const { exp, nbf, iat } = claims as { exp?: number; nbf?: number; iat?: number };
  if (exp === undefined) throw new InvalidClaimsError('exp is missing');
  if (nowSeconds >= exp + CLOCK_TOLERANCE_SECONDS) throw new InvalidClaimsError('token expired');
  if (nbf !== undefined && nbf > nowSeconds + CLOCK_TOLERANCE_SECONDS) {
    throw new InvalidClaimsError('token not valid yet (nbf)');
  }
  if (iat !== undefined && iat > nowSeconds + CLOCK_TOLERANCE_SECONDS) {
    throw new InvalidClaimsError('token issued in the future (iat)');
  }

  if (claims.iss !== rules.issuer) throw new InvalidClaimsError('iss is not the expected issuer');
  if (rules.audience !== undefined && !audiences(claims.aud).includes(rules.audience)) {
    throw new InvalidClaimsError('aud does not contain the expected audience');
  }

  const subject = claims.sub;
  if (typeof subject !== 'string' || subject.trim() === '') {
    throw new InvalidClaimsError('sub is missing or empty');
  }
  if ([...subject].length > MAX_SUBJECT_LENGTH) {
    throw new InvalidClaimsError(`sub is longer than ${MAX_SUBJECT_LENGTH} characters`);
  }
  const claim = claims[rules.resourceOwnerClaim];
  const resourceOwner =
    typeof claim === 'string' && claim.trim() !== '' ? claim : rules.defaultResourceOwner;
  // PostgreSQL text holds neither NUL nor lone surrogates (the driver would store U+FFFD, another
  // subject): such claims name no caller that could exist.
  for (const [name, value] of [
    ['sub', subject],
    ['resource owner', resourceOwner],
  ] as const) {
    if (value.includes('\0') || LONE_SURROGATE.test(value)) {
      throw new InvalidClaimsError(`${name} contains NUL or a lone surrogate`);
    }
  }
  return { subject, resourceOwner };
}

/** `aud` is one string or an array of strings (RFC 7519 section 4.1.3). */
function audiences(aud: unknown): readonly unknown[] {
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud : [];
}
