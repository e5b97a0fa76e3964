import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { KeyedMutex } from '../common/keyed-mutex.js';
import { ProfileEventEntity } from './profile-event.entity.js';
import { ProfileEntity } from './profile.entity.js';
import { type StoredProfile } from './profile.model.js';
import { ProfileRepository, type ProfileWrite } from './profile.repository.js';

/** First key of the two-key advisory lock that serialises updates of one profile ("PROF"). */
const PROFILE_LOCK_CLASS = 0x50524f46;

/** ProfileRepository on TypeORM: the `profiles` state table and the `profile_events` log. */
@Injectable()
export class TypeOrmProfileRepository extends ProfileRepository {
  /**
   * Updates of one profile wait here, not on the database lock, so a burst of them holds one
   * pooled connection instead of all (the advisory lock still orders them across instances).
   */
  private readonly updates = new KeyedMutex();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  findByUserId(userId: string): Promise<StoredProfile | null> {
    return this.dataSource.manager.findOneBy(ProfileEntity, { userId });
  }

  update(
    userId: string,
    decide: (current: StoredProfile | null) => ProfileWrite,
  ): Promise<ProfileWrite> {
    return this.updates.run(userId, () =>
      this.dataSource.transaction(async (manager) => {
        // Transaction-scoped: released by COMMIT or ROLLBACK, whatever happens in between.
        await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
          PROFILE_LOCK_CLASS,
          userId,
        ]);
        const current = await manager.findOneBy(ProfileEntity, { userId });
        const write = decide(current);
        // The state first: the event references it.
        if (current === null) {
          await manager.insert(ProfileEntity, write.state);
        } else {
          const { userId: key, ...fields } = write.state;
          await manager.update(ProfileEntity, { userId: key }, fields);
        }
        await manager.insert(ProfileEventEntity, write.event);
        return write;
      }),
    );
  }
}
