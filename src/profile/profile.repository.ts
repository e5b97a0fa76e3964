import { type ProfileEvent, type StoredProfile } from './profile.model.js';

/** What an update decided: the new state and the event that records the change. */
export interface ProfileWrite {
  state: StoredProfile;
  event: ProfileEvent;
}

/**
 * Where profiles and their change events are kept. ProfileService holds the rules and talks only
 * to this; TypeOrmProfileRepository is the implementation on PostgreSQL (and PGlite), and tests
 * of the rules use an in-memory one.
 */
export abstract class ProfileRepository {
  /** The stored profile of a subject, or null. */
  abstract findByUserId(userId: string): Promise<StoredProfile | null>;

  /**
   * Serialised with every other update of the same profile: calls `decide` with the stored
   * profile (null when there is none) and writes the state and event it returns in one
   * transaction, so that neither is ever stored without the other. If `decide` throws, nothing
   * is written and the error is passed on.
   */
  abstract update(
    userId: string,
    decide: (current: StoredProfile | null) => ProfileWrite,
  ): Promise<ProfileWrite>;
}
