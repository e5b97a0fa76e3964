import { Gender } from '../gen/zitadel/user_pb.js';

export { Gender };

/** The six fields of a profile, as stored (trimmed, language canonical). */
export interface ProfileFields {
  firstName: string;
  lastName: string;
  nickName: string;
  displayName: string;
  preferredLanguage: string;
  gender: Gender;
}

/** ZITADEL's ObjectDetails of a profile. */
export interface ObjectDetails {
  sequence: bigint;
  creationDate: Date;
  changeDate: Date;
  resourceOwner: string;
}

export interface ProfileView {
  details: ObjectDetails;
  profile: ProfileFields;
}

/** The proto name of each field, as in field violations and change events. */
export const PROTO_NAMES: Readonly<Record<keyof ProfileFields, string>> = {
  firstName: 'first_name',
  lastName: 'last_name',
  nickName: 'nick_name',
  displayName: 'display_name',
  preferredLanguage: 'preferred_language',
  gender: 'gender',
};

export const PROFILE_FIELDS = Object.keys(PROTO_NAMES) as readonly (keyof ProfileFields)[];
