import { Test, type TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { ConfigModule } from '../../src/config/config.module.js';
import { DatabaseModule } from '../../src/database/database.module.js';
import { type ProfileFields } from '../../src/profile/profile.model.js';
import {
  ProfileNotChangedError,
  ProfileNotFoundError,
  UserNotFoundError,
} from '../../src/profile/profile.errors.js';
import { ProfileModule } from '../../src/profile/profile.module.js';
import { ProfileService } from '../../src/profile/profile.service.js';
import { integrationConfig } from '../support/config.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/database.js';
import { ADA_MESSAGE } from '../support/profile.js';

const ada: ProfileFields = ADA_MESSAGE;

/**
 * ProfileService over its real repository (TypeOrmProfileRepository) on both databases: the
 * PostgreSQL server (when given) and PGlite. The input rules are the DTO's (see
 * update-my-profile.dto.spec.ts); here the values are already valid.
 */
const databases: [string, () => Promise<TestDatabase>][] = [
  ['the embedded database', () => createTestDatabase({ embedded: true })],
];
if (serverUrl() !== undefined) databases.unshift(['PostgreSQL', () => createTestDatabase()]);

describe.each(databases)('ProfileService on %s', (_, makeDatabase) => {
  let database: TestDatabase;
  let moduleRef: TestingModule;
  let profiles: ProfileService;
  let dataSource: DataSource;
  let n = 0;
  const caller = (resourceOwner = 'org-1') => ({ subject: `user-${++n}`, resourceOwner });

  beforeAll(async () => {
    database = await makeDatabase();
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(integrationConfig(database.config, database.dataDir)),
        DatabaseModule,
        ProfileModule,
      ],
    }).compile();
    profiles = moduleRef.get(ProfileService);
    dataSource = moduleRef.get(DataSource);
  });
  afterAll(async () => {
    await moduleRef.close();
    await database.drop();
  });

  const events = (userId: string) =>
    dataSource.query<{ sequence: string; event_type: string; changes: Record<string, unknown> }[]>(
      'SELECT sequence::text AS sequence, event_type, changes FROM profile_events WHERE user_id = $1 ORDER BY 1::int',
      [userId],
    );

  it('creates with sequence 1 and an added event holding every field', async () => {
    const me = caller();
    const details = await profiles.updateMyProfile(me, { ...ada, preferredLanguage: 'en-GB' });
    expect(details.sequence).toBe(1n);
    expect(details.creationDate).toEqual(details.changeDate);
    expect(details.resourceOwner).toBe('org-1');
    const [event, ...rest] = await events(me.subject);
    expect(rest).toHaveLength(0);
    expect(event).toEqual({
      sequence: '1',
      event_type: 'user.human.profile.added',
      changes: {
        first_name: { old: null, new: 'Ada' },
        last_name: { old: null, new: 'Lovelace' },
        nick_name: { old: null, new: 'ada' },
        display_name: { old: null, new: 'Ada Lovelace' },
        preferred_language: { old: null, new: 'en-GB' },
        gender: { old: null, new: 1 },
      },
    });
    expect((await profiles.getMyProfile(me)).profile).toEqual({
      ...ada,
      preferredLanguage: 'en-GB',
    });
  });

  it('appends nothing for an update that changes nothing', async () => {
    const me = caller();
    await profiles.updateMyProfile(me, ada);
    await expect(profiles.updateMyProfile(me, { ...ada })).rejects.toBeInstanceOf(
      ProfileNotChangedError,
    );
    expect(await events(me.subject)).toHaveLength(1);
    expect((await profiles.getMyProfile(me)).details.sequence).toBe(1n);
  });

  it('fixes the resource owner at creation', async () => {
    const me = caller('org-a');
    await profiles.updateMyProfile(me, ada);
    const other = { ...me, resourceOwner: 'org-b' };
    await expect(profiles.updateMyProfile(other, { ...ada, nickName: 'b' })).rejects.toBeInstanceOf(
      ProfileNotFoundError,
    );
    await expect(profiles.getMyProfile(other)).rejects.toBeInstanceOf(UserNotFoundError);
    await expect(profiles.getMyProfile(caller())).rejects.toBeInstanceOf(UserNotFoundError);
    expect(await events(me.subject)).toHaveLength(1);
  });

  it('serialises concurrent updates: distinct sequences, no lost update, events agree', async () => {
    const me = caller();
    await profiles.updateMyProfile(me, ada);
    const count = 20;
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        profiles.updateMyProfile(me, { ...ada, nickName: `w${i}` }),
      ),
    );
    const sequences = results.map((d) => Number(d.sequence)).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: count }, (_, i) => i + 2));

    const stored = await profiles.getMyProfile(me);
    const last = results.findIndex((d) => d.sequence === BigInt(count + 1));
    expect(stored.details.sequence).toBe(BigInt(count + 1));
    expect(stored.profile.nickName).toBe(`w${last}`);

    const log = await events(me.subject);
    expect(log.map((e) => Number(e.sequence))).toEqual(
      Array.from({ length: count + 1 }, (_, i) => i + 1),
    );
    // Each event's old value is the previous event's new value: no update was lost.
    for (let i = 2; i < log.length; i++) {
      const change = log[i]?.changes.nick_name as { old: string; new: string };
      const previous = log[i - 1]?.changes.nick_name as { old: string; new: string };
      expect(change.old).toBe(previous.new);
    }
  });

  it('concurrent first updates of one subject create it once', async () => {
    const me = caller();
    const settled = await Promise.allSettled(
      Array.from({ length: 6 }, () => profiles.updateMyProfile(me, ada)),
    );
    const fulfilled = settled.filter((s) => s.status === 'fulfilled');
    expect(fulfilled).toHaveLength(1);
    for (const s of settled) {
      if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(ProfileNotChangedError);
    }
    expect(await events(me.subject)).toHaveLength(1);
  });
});
