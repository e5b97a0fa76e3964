import { Injectable } from '@nestjs/common';
import { type Caller } from '../auth/caller.js';
import {
  ProfileNotChangedError,
  ProfileNotFoundError,
  UserNotFoundError,
} from './profile.errors.js';
import {
  type FieldChange,
  type ObjectDetails,
  PROFILE_ADDED,
  PROFILE_CHANGED,
  PROFILE_FIELDS,
  PROTO_NAMES,
  type ProfileFields,
  type ProfileView,
  type StoredProfile,
} from './profile.model.js';
import { ProfileRepository, type ProfileWrite } from './profile.repository.js';

/**
 * The rules of the caller's own profile (contract section 2), for every transport. It receives
 * validated input (UpdateMyProfileDto: trimmed, language canonical) and knows nothing of HTTP or
 * gRPC; its errors are domain errors that the exception filter maps per transport.
 */
@Injectable()
export class ProfileService {
  constructor(private readonly profiles: ProfileRepository) {}

  /**
   * Replaces the caller's profile (creating it on the first update, sequence 1) and records the
   * change as an event, in the same transaction. Updates of one profile are serialised by the
   * repository, so each gets the next sequence and none is lost.
   */
  async updateMyProfile(caller: Caller, update: ProfileFields): Promise<ObjectDetails> {
    const userId = requireSubject(caller);
    const { state } = await this.profiles.update(userId, (current) =>
      decideUpdate(caller, current, update, new Date()),
    );
    return detailsOf(state);
  }

  async getMyProfile(caller: Caller): Promise<ProfileView> {
    const stored = await this.profiles.findByUserId(requireSubject(caller));
    if (stored === null || stored.resourceOwner !== caller.resourceOwner) {
      throw new UserNotFoundError();
    }
    return { details: detailsOf(stored), profile: fieldsOf(stored) };
  }
}

/**
 * The state and event an update writes: the organisation is fixed at creation, an update that
 * changes nothing is refused, every other one is the next sequence.
 */
function decideUpdate(
  caller: Caller,
  current: StoredProfile | null,
  update: ProfileFields,
  now: Date,
): ProfileWrite {
  if (current !== null && current.resourceOwner !== caller.resourceOwner) {
    throw new ProfileNotFoundError();
  }
  const next = fieldsOf(update);
  const changes = diff(current, next);
  if (Object.keys(changes).length === 0) throw new ProfileNotChangedError();
  const sequence = current === null ? 1n : current.sequence + 1n;
  return {
    state: {
      userId: caller.subject,
      resourceOwner: caller.resourceOwner,
      ...next,
      sequence,
      creationDate: current?.creationDate ?? now,
      changeDate: now,
    },
    event: {
      userId: caller.subject,
      sequence,
      eventType: current === null ? PROFILE_ADDED : PROFILE_CHANGED,
      changes,
      creator: caller.subject,
      resourceOwner: caller.resourceOwner,
      createdAt: now,
    },
  };
}

/** The fields that differ, keyed by proto name; every field when there is no profile yet. */
function diff(current: ProfileFields | null, next: ProfileFields): Record<string, FieldChange> {
  const changes: Record<string, FieldChange> = {};
  for (const field of PROFILE_FIELDS) {
    const before = current === null ? null : current[field];
    if (before !== next[field]) changes[PROTO_NAMES[field]] = { old: before, new: next[field] };
  }
  return changes;
}

/** Exactly the six fields (a DTO or a stored row may carry more). */
function fieldsOf(source: ProfileFields): ProfileFields {
  const { firstName, lastName, nickName, displayName, preferredLanguage, gender } = source;
  return { firstName, lastName, nickName, displayName, preferredLanguage, gender };
}

function detailsOf(stored: StoredProfile): ObjectDetails {
  const { sequence, creationDate, changeDate, resourceOwner } = stored;
  return { sequence, creationDate, changeDate, resourceOwner };
}

/** A subject is never empty here (the guard refuses such tokens); fail closed if it were. */
function requireSubject(caller: Caller): string {
  if (caller.subject === '') throw new UserNotFoundError();
  return caller.subject;
}
