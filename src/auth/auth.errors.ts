import { UnauthenticatedError } from '../common/errors/app-error.js';
import { defineErrors, DomainError } from '../common/errors/error-catalog.js';
import { GrpcCode } from '../common/errors/grpc-code.js';

/** The authentication error that has an id; ids and messages as ZITADEL answers them. */
export const AUTH_ERRORS = defineErrors('auth', {
  tokenInvalid: {
    id: 'AUTH-7fs1e',
    code: GrpcCode.UNAUTHENTICATED,
    message: 'Token is invalid',
    when: 'anything wrong with the token (see docs/auth.md): signature, `alg`, `crit`, `iss`, `aud`, missing, past or non-numeric `exp`, `nbf` or `iat` in the future, `sub` missing or over 255 characters, unknown key, not a bearer token, an opaque token that introspection calls inactive (or that nothing can introspect)',
  },
});

export class AuthHeaderMissingError extends UnauthenticatedError {
  constructor() {
    super(undefined, 'auth header missing');
  }
}

/** Anything wrong with the token; the reason is logged, never sent. */
export class TokenInvalidError extends DomainError {
  constructor() {
    super(AUTH_ERRORS.tokenInvalid);
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
