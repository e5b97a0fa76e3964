import { UnauthenticatedError } from '../common/errors/app-error.js';

export class AuthHeaderMissingError extends UnauthenticatedError {
  constructor() {
    super(undefined, 'auth header missing');
  }
}

/** Anything wrong with the token; the reason is logged, never sent. */
export class TokenInvalidError extends UnauthenticatedError {
  constructor() {
    super('AUTH-7fs1e', 'Token is invalid');
  }
}

/**
 * What the token check needs from outside (the issuer's JWKS, the introspection endpoint) cannot
 * be had: not the caller's fault, so the guard answers UNAVAILABLE, not "Token is invalid".
 */
export class AuthSourceUnavailableError extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = new.target.name;
  }
}
