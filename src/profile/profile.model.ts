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

/** A profile as stored: its fields, its organisation and the details of its last change. */
export interface StoredProfile extends ProfileFields, ObjectDetails {
  userId: string;
}

export interface ProfileView {
  details: ObjectDetails;
  profile: ProfileFields;
}

export const PROFILE_ADDED = 'user.human.profile.added';
export const PROFILE_CHANGED = 'user.human.profile.changed';
export type ProfileEventType = typeof PROFILE_ADDED | typeof PROFILE_CHANGED;

/** One changed field: its value before (null when the profile was created) and after. */
export interface FieldChange {
  old: string | number | null;
  new: string | number;
}

/** Who changed which fields of a profile from what to what, and when. */
export interface ProfileEvent {
  userId: string;
  sequence: bigint;
  eventType: ProfileEventType;
  /** Keyed by proto field name, e.g. `{"first_name": {"old": "Ada", "new": "Grace"}}`. */
  changes: Record<string, FieldChange>;
  creator: string;
  resourceOwner: string;
  createdAt: Date;
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
