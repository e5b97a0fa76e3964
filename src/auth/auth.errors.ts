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
