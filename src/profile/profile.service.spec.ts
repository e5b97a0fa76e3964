import { type Caller } from '../auth/caller.js';
import { ADA_MESSAGE } from '../../test/support/profile.js';
import { InMemoryProfileRepository } from '../../test/support/in-memory-profile-repository.js';
import {
  ProfileNotChangedError,
  ProfileNotFoundError,
  UserNotFoundError,
} from './profile.errors.js';
import { Gender } from './profile.model.js';
import { ProfileService } from './profile.service.js';

const ada = ADA_MESSAGE;

describe('ProfileService (rules, over an in-memory repository)', () => {
  let repository: InMemoryProfileRepository;
  let service: ProfileService;
  const alice: Caller = { subject: 'alice', resourceOwner: 'org-1' };

  beforeEach(() => {
    repository = new InMemoryProfileRepository();
    service = new ProfileService(repository);
  });

  it('creates the profile on the first update: sequence 1, an added event with every field', async () => {
    const details = await service.updateMyProfile(alice, ada);
    expect(details).toEqual({
      sequence: 1n,
      creationDate: details.changeDate,
      changeDate: expect.any(Date),
      resourceOwner: 'org-1',
    });
    expect(repository.events).toEqual([
      {
        userId: 'alice',
        sequence: 1n,
        eventType: 'user.human.profile.added',
        changes: {
          first_name: { old: null, new: 'Ada' },
          last_name: { old: null, new: 'Lovelace' },
          nick_name: { old: null, new: 'ada' },
          display_name: { old: null, new: 'Ada Lovelace' },
          preferred_language: { old: null, new: 'en' },
          gender: { old: null, new: Gender.FEMALE },
        },
        creator: 'alice',
        resourceOwner: 'org-1',
        createdAt: details.changeDate,
      },
    ]);
  });

  it('records only the fields that changed, with the next sequence, keeping the creation date', async () => {
    const created = await service.updateMyProfile(alice, ada);
    const changed = await service.updateMyProfile(alice, {
      ...ada,
      nickName: 'countess',
      gender: 0,
    });
    expect(changed.sequence).toBe(2n);
    expect(changed.creationDate).toBe(created.creationDate);
    expect(repository.events[1]).toMatchObject({
      sequence: 2n,
      eventType: 'user.human.profile.changed',
      changes: {
        nick_name: { old: 'ada', new: 'countess' },
        gender: { old: Gender.FEMALE, new: Gender.UNSPECIFIED },
      },
    });
    expect(Object.keys(repository.events[1]!.changes)).toEqual(['nick_name', 'gender']);
    expect((await service.getMyProfile(alice)).profile).toEqual({
      ...ada,
      nickName: 'countess',
      gender: Gender.UNSPECIFIED,
    });
  });

  it('refuses an update that changes nothing, and writes nothing', async () => {
    await service.updateMyProfile(alice, ada);
    await expect(service.updateMyProfile(alice, { ...ada })).rejects.toBeInstanceOf(
      ProfileNotChangedError,
    );
    expect(repository.events).toHaveLength(1);
  });

  it('keeps only the six fields of what it is given', async () => {
    await service.updateMyProfile(alice, { ...ada, extra: 'x' } as typeof ada);
    expect(repository.profiles.get('alice')).not.toHaveProperty('extra');
  });

  it("fixes the organisation at creation: another organisation's token can neither change nor read it", async () => {
    await service.updateMyProfile(alice, ada);
    const elsewhere = { ...alice, resourceOwner: 'org-2' };
    await expect(
      service.updateMyProfile(elsewhere, { ...ada, nickName: 'b' }),
    ).rejects.toBeInstanceOf(ProfileNotFoundError);
    await expect(service.getMyProfile(elsewhere)).rejects.toBeInstanceOf(UserNotFoundError);
    expect(repository.events).toHaveLength(1);
  });

  it('answers NOT_FOUND for a subject without a profile, and for an empty subject', async () => {
    await expect(service.getMyProfile({ subject: 'bob', resourceOwner: 'org-1' })).rejects.toThrow(
      new UserNotFoundError(),
    );
    await expect(service.getMyProfile({ subject: '', resourceOwner: 'org-1' })).rejects.toThrow(
      UserNotFoundError,
    );
    await expect(
      service.updateMyProfile({ subject: '', resourceOwner: 'org-1' }, ada),
    ).rejects.toThrow(UserNotFoundError);
    expect(repository.events).toHaveLength(0);
  });
});
