import { type ProfileEvent, type StoredProfile } from '../../src/profile/profile.model.js';
import { ProfileRepository, type ProfileWrite } from '../../src/profile/profile.repository.js';

/**
 * ProfileRepository's contract in memory, for tests of the rules and of the controllers: one
 * update at a time, the state and its event kept together, nothing written when `decide` throws.
 */
export class InMemoryProfileRepository extends ProfileRepository {
  readonly profiles = new Map<string, StoredProfile>();
  readonly events: ProfileEvent[] = [];

  findByUserId(userId: string): Promise<StoredProfile | null> {
    return Promise.resolve(this.profiles.get(userId) ?? null);
  }

  async update(
    userId: string,
    decide: (current: StoredProfile | null) => ProfileWrite,
  ): Promise<ProfileWrite> {
    await Promise.resolve();
    const write = decide(this.profiles.get(userId) ?? null);
    this.profiles.set(userId, write.state);
    this.events.push(write.event);
    return write;
  }
}
