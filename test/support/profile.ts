// Profile values and the error Statuses of the contract, shared by the transport tests.
import { Gender } from '../../src/gen/zitadel/user_pb.js';
import { statusWithId } from './http.js';
import { type StatusJson } from './status.js';

/** A full profile as REST JSON and a proto-loader client (enums by name) write it. */
export const ADA = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  nickName: 'ada',
  displayName: 'Ada Lovelace',
  preferredLanguage: 'en',
  gender: 'GENDER_FEMALE',
} as const;

/** The same profile as a @bufbuild/protobuf message init (enum by number). */
export const ADA_MESSAGE = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  nickName: 'ada',
  displayName: 'Ada Lovelace',
  preferredLanguage: 'en',
  gender: Gender.FEMALE,
};

export const NOT_CHANGED = statusWithId(9, 'Profile not changed', 'COMMAND-2M0fs') as StatusJson;
export const PROFILE_NOT_FOUND = statusWithId(
  9,
  'Profile not found',
  'COMMAND-3M9sd',
) as StatusJson;
export const USER_NOT_FOUND = statusWithId(
  5,
  'User could not be found',
  'QUERY-HNhb3',
) as StatusJson;

/** A subject name no other test (or earlier run on the same database) uses. */
let counter = 0;
export function freshSubject(label = 'user'): string {
  counter += 1;
  return `${label}-${counter}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
}
