import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { type Caller } from '../auth/caller.js';
import { KeyedMutex } from '../common/keyed-mutex.js';
import {
  type FieldChange,
  PROFILE_ADDED,
  PROFILE_CHANGED,
  ProfileEventEntity,
} from './profile-event.entity.js';
import { ProfileEntity } from './profile.entity.js';
import {
  ProfileNotChangedError,
  ProfileNotFoundError,
  UserNotFoundError,
} from './profile.errors.js';
import {
  type ObjectDetails,
  PROFILE_FIELDS,
  PROTO_NAMES,
  type ProfileFields,
  type ProfileView,
} from './profile.model.js';
import { validateProfileUpdate } from './profile.rules.js';

/** First key of the two-key advisory lock that serialises updates of one profile ("PROF"). */
const PROFILE_LOCK_CLASS = 0x50524f46;

@Injectable()
export class ProfileService {
  /**
   * Updates of one profile wait here, not on the database lock, so a burst of them holds one
   * pooled connection instead of all (the advisory lock still orders them across instances).
   */
  private readonly updates = new KeyedMutex();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Replaces the caller's profile (creating it on the first update) and records the change
   * event in the same transaction. Updates of one profile are serialised by a transaction-scoped
   * advisory lock on the subject, so each gets the next sequence and none is lost.
   */
  async updateMyProfile(caller: Caller, request: ProfileFields): Promise<ObjectDetails> {
    const next = validateProfileUpdate(request);
    const userId = requireSubject(caller);
    return this.updates.run(userId, () => this.write(caller, userId, next));
  }

  private write(caller: Caller, userId: string, next: ProfileFields): Promise<ObjectDetails> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
        PROFILE_LOCK_CLASS,
        userId,
      ]);
      const current = await manager.findOneBy(ProfileEntity, { userId });
      if (current !== null && current.resourceOwner !== caller.resourceOwner) {
        throw new ProfileNotFoundError();
      }
      const changes = diff(current, next);
      if (Object.keys(changes).length === 0) throw new ProfileNotChangedError();

      const now = new Date();
      const sequence = current === null ? 1n : current.sequence + 1n;
      const creationDate = current?.creationDate ?? now;
      // The state first: the event references it.
      await this.saveState(
        manager,
        {
          userId,
          resourceOwner: caller.resourceOwner,
          ...next,
          sequence,
          creationDate,
          changeDate: now,
        },
        current === null,
      );
      await manager.insert(ProfileEventEntity, {
        userId,
        sequence,
        eventType: current === null ? PROFILE_ADDED : PROFILE_CHANGED,
        changes,
        creator: caller.subject,
        resourceOwner: caller.resourceOwner,
        createdAt: now,
      });
      return { sequence, creationDate, changeDate: now, resourceOwner: caller.resourceOwner };
    });
  }

  async getMyProfile(caller: Caller): Promise<ProfileView> {
    const userId = requireSubject(caller);
    const stored = await this.dataSource.manager.findOneBy(ProfileEntity, { userId });
    if (stored === null || stored.resourceOwner !== caller.resourceOwner) {
      throw new UserNotFoundError();
    }
    return {
      details: {
        sequence: stored.sequence,
        creationDate: stored.creationDate,
        changeDate: stored.changeDate,
        resourceOwner: stored.resourceOwner,
      },
      profile: {
        firstName: stored.firstName,
        lastName: stored.lastName,
        nickName: stored.nickName,
        displayName: stored.displayName,
        preferredLanguage: stored.preferredLanguage,
        gender: stored.gender,
      },
    };
  }

  private async saveState(manager: EntityManager, state: ProfileEntity, isNew: boolean) {
    if (isNew) {
      await manager.insert(ProfileEntity, state);
    } else {
      const { userId, ...fields } = state;
      await manager.update(ProfileEntity, { userId }, fields);
    }
  }
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

/** TypeORM matches every row for `{ userId: undefined }`: never query without a subject. */
function requireSubject(caller: Caller): string {
  if (caller.subject === '') throw new UserNotFoundError();
  return caller.subject;
}
