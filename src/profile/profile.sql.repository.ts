import { Injectable } from '@nestjs/common';
import { UnavailableError } from '../common/errors/app-error.js';
import { type Baton, KeyedMutex, QueueTimeoutError } from '../common/keyed-mutex.js';
import { Sql, type SqlStatement } from '../database/sql.js';
import { type StoredProfile } from './profile.model.js';
import { ProfileRepository, type ProfileWrite } from './profile.repository.js';

/** A row of `profiles` as FIND returns it. */
export interface ProfileRow {
  user_id: string;
  resource_owner: string;
  first_name: string;
  last_name: string;
  nick_name: string;
  display_name: string;
  preferred_language: string;
  gender: number;
  sequence: string;
  creation_date: Date;
  change_date: Date;
}

// The tables are those of ProfileEntity and ProfileEventEntity (see migrations/).
const FIND: SqlStatement = {
  name: 'profile_find',
  text: `SELECT user_id, resource_owner, first_name, last_name, nick_name, display_name,
      preferred_language, gender, sequence, creation_date, change_date
    FROM profiles WHERE user_id = $1`,
};

/**
 * The first update: the state (unless a concurrent first update made it) and its event, in one
 * statement, so in one transaction and one round trip.
 */
const CREATE: SqlStatement = {
  name: 'profile_create',
  text: `WITH state AS (
      INSERT INTO profiles (user_id, resource_owner, first_name, last_name, nick_name,
        display_name, preferred_language, gender, sequence, creation_date, change_date)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)
      ON CONFLICT (user_id) DO NOTHING
      RETURNING user_id)
    INSERT INTO profile_events (user_id, sequence, event_type, changes, creator, resource_owner,
      created_at)
    SELECT user_id, 1, $10, $11::jsonb, $12, $2, $9 FROM state
    RETURNING sequence`,
};

/**
 * A later update: the state, only if it is still at the sequence the update was decided on
 * (compare and set), and its event, in one statement. No row: another update came first.
 */
const CHANGE: SqlStatement = {
  name: 'profile_change',
  text: `WITH state AS (
      UPDATE profiles SET first_name = $3, last_name = $4, nick_name = $5, display_name = $6,
        preferred_language = $7, gender = $8, sequence = $9::bigint, change_date = $10
      WHERE user_id = $1 AND resource_owner = $2 AND sequence = $9::bigint - 1
      RETURNING user_id)
    INSERT INTO profile_events (user_id, sequence, event_type, changes, creator, resource_owner,
      created_at)
    SELECT user_id, $9::bigint, $11, $12::jsonb, $13, $2, $10 FROM state
    RETURNING sequence`,
};

/** Attempts of one update when other instances keep changing the profile in between. */
const MAX_ATTEMPTS = 10;

/**
 * ProfileRepository on the `profiles` state table and the `profile_events` log, with prepared
 * statements (Sql): a read is one statement, an update two (read, then write state and event
 * together, compare-and-set on the sequence), with no explicit transaction or lock.
 */
@Injectable()
export class SqlProfileRepository extends ProfileRepository {
  /**
   * Updates of one profile wait here, so that a burst of them holds one pooled connection instead
   * of all, and their compare-and-set never collides within this process (across instances it
   * may, and the loser decides again on the new state). Each hands the state it leaves on to the
   * next one waiting, which then writes without reading first: one round trip instead of two.
   */
  private readonly updates = new KeyedMutex<StoredProfile>();

  constructor(private readonly sql: Sql) {
    super();
  }

  async findByUserId(userId: string): Promise<StoredProfile | null> {
    const [row] = await this.sql.query<ProfileRow>(FIND, [userId]);
    return row === undefined ? null : profileOf(row);
  }

  async update(
    userId: string,
    decide: (current: StoredProfile | null) => ProfileWrite,
  ): Promise<ProfileWrite> {
    try {
      return await this.updates.run(
        userId,
        (baton) => this.write(userId, decide, baton),
        this.sql.deadline(),
      );
    } catch (error) {
      if (error instanceof QueueTimeoutError) throw new UnavailableError(error);
      throw error;
    }
  }

  /**
   * `baton`: the state the update before this one (of this process) left, when this one was
   * waiting for it. It is as good as a read: the write that follows only happens if the profile
   * is still at its sequence. A refusal decided on it (nothing changed, say) is decided again on
   * what is stored, since another instance may have changed the profile meanwhile.
   */
  private async write(
    userId: string,
    decide: (current: StoredProfile | null) => ProfileWrite,
    baton: Baton<StoredProfile>,
  ): Promise<ProfileWrite> {
    let handedOn = baton.value;
    baton.value = undefined;
    for (let attempt = 1; ; attempt++) {
      const current = handedOn ?? (await this.findByUserId(userId));
      let write: ProfileWrite;
      try {
        write = decide(current);
      } catch (refusal) {
        if (handedOn !== undefined) {
          handedOn = undefined;
          continue;
        }
        // Refused on what is stored: that is still the state to hand on.
        if (current !== null) baton.value = current;
        throw refusal;
      }
      handedOn = undefined;
      const { state, event } = write;
      const fields = [
        state.firstName,
        state.lastName,
        state.nickName,
        state.displayName,
        state.preferredLanguage,
        state.gender,
      ];
      const changes = JSON.stringify(event.changes);
      const stored =
        current === null
          ? await this.sql.query(CREATE, [
              userId,
              state.resourceOwner,
              ...fields,
              state.changeDate,
              event.eventType,
              changes,
              event.creator,
            ])
          : await this.sql.query(CHANGE, [
              userId,
              state.resourceOwner,
              ...fields,
              state.sequence.toString(),
              state.changeDate,
              event.eventType,
              changes,
              event.creator,
            ]);
      if (stored.length === 1) {
        baton.value = state;
        return write;
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw new UnavailableError(new Error(`profile ${userId} kept changing: gave up`));
      }
    }
  }
}

function profileOf(row: ProfileRow): StoredProfile {
  return {
    userId: row.user_id,
    resourceOwner: row.resource_owner,
    firstName: row.first_name,
    lastName: row.last_name,
    nickName: row.nick_name,
    displayName: row.display_name,
    preferredLanguage: row.preferred_language,
    gender: row.gender,
    sequence: BigInt(row.sequence),
    creationDate: row.creation_date,
    changeDate: row.change_date,
  };
}
