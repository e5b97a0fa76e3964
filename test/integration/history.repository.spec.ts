import { Test, type TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { ConfigModule } from '../../src/config/config.module.js';
import { DatabaseModule } from '../../src/database/database.module.js';
import { HistoryModule } from '../../src/history/history.module.js';
import { HistoryRepository } from '../../src/history/history.repository.js';
import { HISTORY_QUERIES } from '../../src/history/history.sql.repository.js';
import { ProfileModule } from '../../src/profile/profile.module.js';
import { ProfileService } from '../../src/profile/profile.service.js';
import { integrationConfig } from '../support/config.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/database.js';
import { ADA_MESSAGE } from '../support/profile.js';

const databases: [string, () => Promise<TestDatabase>][] = [
  ['the embedded database', () => createTestDatabase({ embedded: true })],
];
if (serverUrl() !== undefined) databases.unshift(['PostgreSQL', () => createTestDatabase()]);

/**
 * TypeOrmHistoryRepository over the events the Profile module writes, on both databases: pages
 * in both directions from the primary key of profile_events, never another profile's events.
 */
describe.each(databases)('HistoryRepository on %s', (_, makeDatabase) => {
  let database: TestDatabase;
  let moduleRef: TestingModule;
  let history: HistoryRepository;
  const alice = { subject: 'alice', resourceOwner: 'org-1' };

  beforeAll(async () => {
    database = await makeDatabase();
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(integrationConfig(database.config, database.dataDir)),
        DatabaseModule,
        ProfileModule,
        HistoryModule,
      ],
    }).compile();
    history = moduleRef.get(HistoryRepository);
    const profiles = moduleRef.get(ProfileService);
    for (let i = 1; i <= 5; i++)
      await profiles.updateMyProfile(alice, { ...ADA_MESSAGE, nickName: `a${i}` });
    await profiles.updateMyProfile({ subject: 'bob', resourceOwner: 'org-1' }, ADA_MESSAGE);
  });
  afterAll(async () => {
    await moduleRef.close();
    await database.drop();
  });

  const page = (after: bigint, ascending: boolean, limit = 100) =>
    history
      .list({ userId: 'alice', resourceOwner: 'org-1', after, ascending, limit })
      .then((records) => records.map((r) => Number(r.sequence)));

  it('reads a page in either direction from a cursor', async () => {
    expect(await page(0n, false)).toEqual([5, 4, 3, 2, 1]);
    expect(await page(4n, false, 2)).toEqual([3, 2]);
    expect(await page(0n, true, 2)).toEqual([1, 2]);
    expect(await page(3n, true)).toEqual([4, 5]);
    expect(await page(5n, true)).toEqual([]);
  });

  it("answers the event's fields, and nothing of another organisation", async () => {
    const [first] = await history.list({
      userId: 'alice',
      resourceOwner: 'org-1',
      after: 0n,
      ascending: true,
      limit: 1,
    });
    expect(first).toEqual({
      sequence: 1n,
      eventType: 'user.human.profile.added',
      editorId: 'alice',
      resourceOwner: 'org-1',
      createdAt: expect.any(Date),
    });
    expect(
      await history.list({
        userId: 'alice',
        resourceOwner: 'org-2',
        after: 0n,
        ascending: false,
        limit: 10,
      }),
    ).toEqual([]);
  });

  it('scans the primary key of profile_events forwards and backwards, without sorting', async () => {
    const dataSource = moduleRef.get(DataSource);
    const plans = await dataSource.transaction(async (manager) => {
      // Tiny tables without statistics: left alone, the planner may as well read them whole.
      await manager.query('SET LOCAL enable_seqscan = off');
      await manager.query('SET LOCAL enable_bitmapscan = off');
      const explain = async (sql: string, params: unknown[]) =>
        JSON.stringify(await manager.query(`EXPLAIN (FORMAT JSON) ${sql}`, params));
      return {
        ascending: await explain(HISTORY_QUERIES.ascending.text, ['alice', 'org-1', '0', 10]),
        newest: await explain(HISTORY_QUERIES.newest.text, ['alice', 'org-1', 10]),
        descending: await explain(HISTORY_QUERIES.descending.text, ['alice', 'org-1', '3', 10]),
      };
    });
    for (const plan of Object.values(plans)) {
      expect(plan).toContain('"Index Name":"profile_events_user_sequence"');
      expect(plan).not.toContain('"Node Type":"Sort"');
    }
    expect(plans.ascending).toContain('"Scan Direction":"Forward"');
    expect(plans.newest).toContain('"Scan Direction":"Backward"');
    expect(plans.descending).toContain('"Scan Direction":"Backward"');
  });
});
