import { FailedPreconditionError, NotFoundError } from '../common/errors/app-error.js';

/** The update would store exactly what is stored. */
export class ProfileNotChangedError extends FailedPreconditionError {
  constructor() {
    super('COMMAND-2M0fs', 'Profile not changed');
  }
}

/** The caller's profile belongs to another organisation than the token's. */
export class ProfileNotFoundError extends FailedPreconditionError {
  constructor() {
    super('COMMAND-3M9sd', 'Profile not found');
  }
}

/** No profile for the caller in the token's organisation. */
export class UserNotFoundError extends NotFoundError {
  constructor() {
    super('QUERY-HNhb3', 'User could not be found');
  }
}
