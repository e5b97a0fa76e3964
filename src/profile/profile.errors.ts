import { defineErrors, DomainError } from '../common/errors/error-catalog.js';
import { GrpcCode } from '../common/errors/grpc-code.js';

/** The errors of the Profile module; ids and messages as ZITADEL answers them. */
export const PROFILE_ERRORS = defineErrors('profile', {
  notChanged: {
    id: 'COMMAND-2M0fs',
    code: GrpcCode.FAILED_PRECONDITION,
    message: 'Profile not changed',
    when: 'the update changes nothing',
  },
  ownedElsewhere: {
    id: 'COMMAND-3M9sd',
    code: GrpcCode.FAILED_PRECONDITION,
    message: 'Profile not found',
    when: "the profile belongs to another organisation than the token's (update)",
  },
  userNotFound: {
    id: 'QUERY-HNhb3',
    code: GrpcCode.NOT_FOUND,
    message: 'User could not be found',
    when: "no profile, or another organisation's (read)",
  },
});

/** The update would store exactly what is stored. */
export class ProfileNotChangedError extends DomainError {
  constructor() {
    super(PROFILE_ERRORS.notChanged);
  }
}

/** The caller's profile belongs to another organisation than the token's. */
export class ProfileNotFoundError extends DomainError {
  constructor() {
    super(PROFILE_ERRORS.ownedElsewhere);
  }
}

/** No profile for the caller in the token's organisation. */
export class UserNotFoundError extends DomainError {
  constructor() {
    super(PROFILE_ERRORS.userNotFound);
  }
}
